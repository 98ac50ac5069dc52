"""The reply check (issue 5, part 3): relevance, basis and standard, lateness; the resolve
form that warns first and publishes after confirmation; the live check; the reply-time
baseline page; the calibration file against the shipped data."""

import random
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.matters import services
from tongxin.matters.choices import Kind, Status
from tongxin.matters.models import MatterEvent, Resolution
from tongxin.people.choices import Role
from tongxin.triage import replies
from tongxin.triage.datasets import rows

PARKING = SimpleNamespace(title="小区东门电动车乱停放",
                          description="东门口每天晚上堆满电动车，消防通道被堵住了。",
                          due_at=None, stage="")
ON_TOPIC = {"what_was_done": "清理了东门口乱停的电动车，在东门外划定了电动车停放区，物业每晚巡查。",
            "basis": "《物业管理条例》第四十五条", "standard": "消防通道畅通，电动车停入停放区"}
SCHOOL = {"what_was_done": "网友您好！现将有关情况答复如下：今年秋季小学一年级招生按照划片就近"
                           "入学的原则进行，适龄儿童凭户口簿和房产证到片区学校报名，教育局统一审核"
                           "入学资格。感谢您对教育工作的关心。",
          "basis": "《中华人民共和国义务教育法》第十二条", "standard": "符合当年招生政策"}


def codes(findings):
    return sorted(f.code for f in findings)


def real_pair(number):
    return next(r for r in rows("messages_with_replies") if r["留言编号"] == number)


# --- the check itself ------------------------------------------------------------------------


def test_a_parking_complaint_answered_about_school_enrolment_is_flagged():
    findings = replies.check(PARKING, **SCHOOL)

    assert codes(findings) == ["low_relevance"]
    finding = findings[0]
    assert finding.severity == replies.WARNING
    assert finding.score < replies.calibration()["relevance"]["threshold"]
    assert "电动车" in finding.message  # what the answer leaves out, in the matter's words


def test_an_on_topic_handler_reply_passes():
    assert replies.check(PARKING, **ON_TOPIC) == []


@pytest.mark.parametrize("number", ["2549", "6742"])
def test_a_real_reply_from_the_data_set_passes(number):
    pair = real_pair(number)
    matter = SimpleNamespace(title=pair["留言主题"], description=pair["留言详情"], due_at=None,
                             stage="")

    findings = replies.check(matter, what_was_done=pair["答复意见"],
                             basis="《物业管理条例》第四十五条", standard="按通告要求整治到位")

    assert findings == []


def test_the_reply_of_another_real_message_is_flagged():
    asked, other = real_pair("2555"), real_pair("2549")  # 幼儿园教师待遇 vs 物业管理
    matter = SimpleNamespace(title=asked["留言主题"], description=asked["留言详情"],
                             due_at=None, stage="")

    findings = replies.check(matter, what_was_done=other["答复意见"], basis="《物业管理条例》",
                             standard="按规定整改到位")

    assert "low_relevance" in codes(findings)


def test_a_reply_of_greetings_and_thanks_only_is_flagged_as_empty():
    findings = replies.check(PARKING, what_was_done="网友您好！您的留言已收悉。感谢您的支持！",
                             basis=ON_TOPIC["basis"], standard=ON_TOPIC["standard"])

    assert codes(findings) == ["reply_empty"]


@pytest.mark.parametrize("basis,standard,expected", [
    ("无", "消防通道畅通", ["basis_missing"]),
    ("按相关规定", "消防通道畅通", ["basis_missing"]),
    ("物业每晚巡查", "消防通道畅通", ["basis_no_rule"]),
    ("根据上级要求处理", "消防通道畅通", ["basis_no_rule"]),
    ("《物业管理条例》第四十五条", "同上", ["standard_missing"]),
    ("", "", ["basis_missing", "standard_missing"]),
    ("经3月10日党群议事会决议", "消防通道畅通", []),
    ("物业服务合同约定", "消防通道畅通", []),
    ("消防法", "消防通道畅通", []),
    ("业主公约", "符合GB 50016的要求", []),
])
def test_a_missing_or_vague_basis_or_standard_is_flagged(basis, standard, expected):
    findings = replies.check(PARKING, what_was_done=ON_TOPIC["what_was_done"], basis=basis,
                             standard=standard)

    assert codes(findings) == expected


def test_a_late_result_is_flagged_with_the_stage_and_how_late():
    now = timezone.now()
    matter = SimpleNamespace(**{**vars(PARKING), "due_at": now - timedelta(days=2, hours=3),
                                "stage": "handle"})

    findings = replies.check(matter, **ON_TOPIC, now=now)

    assert codes(findings) == ["late"]
    assert findings[0].score == pytest.approx(2.125, abs=0.01)
    assert replies.check(matter, **ON_TOPIC, now=matter.due_at - timedelta(minutes=1)) == []


def test_boilerplate_is_stripped_before_scoring():
    text = ("网友“UU008846”：您好！您的留言已收悉。现将有关情况回复如下：东门口的电动车已清理。"
            "感谢您对我们工作的关心、监督与支持！2019年5月8日")

    assert replies.strip_boilerplate(text) == "东门口的电动车已清理。"


def test_the_numpy_tfidf_matches_the_textbook_definition():
    vectorizer = replies.model().vectorizer
    text = "电动车，电动车，A1区"
    counts = Counter(replies.bigrams(text))
    expected = np.zeros(len(vectorizer.codes))
    for gram, n in counts.items():
        code = (ord(gram[0]) << 21) | ord(gram[1])
        column = int(np.searchsorted(vectorizer.codes, code))
        assert vectorizer.codes[column] == code  # every gram is in the corpus
        expected[column] = (1 + np.log(n)) * vectorizer.idf[column]
    expected /= np.linalg.norm(expected)

    row = vectorizer.transform([text]).toarray()[0]

    assert counts == {"电动": 2, "动车": 2, "a1": 1, "1区": 1}
    assert np.allclose(row, expected, atol=1e-6)


# --- the calibration file against the data -----------------------------------------------------


def test_the_calibration_file_holds_the_data_sets_reply_times():
    pairs = replies.data_set_pairs()
    days = sorted((b - a) / timedelta(days=1) for a, b in pairs)
    baseline = replies.calibration()["reply_time"]

    assert baseline["count"] == len(pairs) == 2816
    assert baseline["median_days"] == pytest.approx(float(np.median(days)), abs=0.01)
    assert baseline["p90_days"] == pytest.approx(float(np.percentile(days, 90)), abs=0.01)
    assert sum(b["count"] for b in baseline["buckets"]) == len(pairs)
    assert baseline == replies.reply_time_figures(pairs)


def test_the_calibrated_threshold_flags_few_real_replies_and_most_mismatched_ones():
    settings = replies.calibration()["relevance"]
    sample = random.Random(7).sample(rows("messages_with_replies"), 400)
    answers = [replies.strip_boilerplate(r["答复意见"]) for r in sample]
    kept = [(r, a) for r, a in zip(sample, answers)
            if replies.content_length(a) >= settings["min_content_chars"]]
    questions = [replies.question_text(r["留言主题"], r["留言详情"]) for r, _a in kept]
    answers = [a for _r, a in kept]

    _cos, true_z = replies.relevance_scores(questions, answers)
    _cos, other_z = replies.relevance_scores(questions, answers[1:] + answers[:1])

    threshold = settings["threshold"]
    assert settings["auc_random"] > 0.95 and settings["true_flagged"] <= 0.05
    assert np.mean(true_z < threshold) < 0.10
    assert np.mean(other_z < threshold) > 0.70


# --- the resolve form: warn first, publish after confirmation ------------------------------------


needs_db = pytest.mark.django_db


def _handled(world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    return matter


def _resolve_form(response):
    return next(i["form"] for i in response.context["action_forms"] if i["action"] == "resolve")


def _post_resolve(client, matter, **data):
    return client.post(reverse("matters:act", args=[matter.pk, "resolve"]), data)


@needs_db
def test_the_resolve_form_warns_first_and_publishes_after_confirmation(client, world, new_matter):
    matter = _handled(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])

    first = _post_resolve(client, matter, **SCHOOL)

    assert first.status_code == 400
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS
    assert not Resolution.objects.filter(matter=matter).exists()
    form = _resolve_form(first)
    assert codes(form.findings) == ["low_relevance"]
    html = first.content.decode()
    assert 'type="checkbox" name="publish_anyway"' in html
    assert form.findings[0].message in html

    second = _post_resolve(client, matter, **SCHOOL, publish_anyway="on",
                           warned=form.data["warned"])

    assert second.status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED
    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert [c["code"] for c in event.data["checks"]] == ["low_relevance"]
    assert event.data["checks"][0]["score"] < replies.calibration()["relevance"]["threshold"]


@needs_db
def test_fixing_the_text_publishes_without_confirmation(client, world, new_matter):
    matter = _handled(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])

    assert _post_resolve(client, matter, **{**ON_TOPIC, "basis": "无"}).status_code == 400
    response = _post_resolve(client, matter, **ON_TOPIC)

    assert response.status_code == 302
    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert "checks" not in event.data


@needs_db
def test_a_new_warning_needs_a_new_confirmation(client, world, new_matter):
    matter = _handled(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])
    first = _post_resolve(client, matter, **SCHOOL)
    warned = _resolve_form(first).data["warned"]

    again = _post_resolve(client, matter, **{**SCHOOL, "standard": "无"}, publish_anyway="on",
                          warned=warned)

    assert again.status_code == 400
    assert codes(_resolve_form(again).findings) == ["low_relevance", "standard_missing"]
    assert 'name="publish_anyway"' in again.content.decode()
    assert _resolve_form(again)["publish_anyway"].value() is False  # ticked for old warnings
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS


@needs_db
def test_a_late_result_is_recorded_as_overridden(client, world, new_matter, time_machine):
    time_machine.move_to(timezone.now())
    matter = _handled(world, new_matter)
    time_machine.move_to(matter.due_at + timedelta(days=3))
    client.force_login(world.by_role[Role.GRID_WORKER])

    first = _post_resolve(client, matter, **ON_TOPIC)
    assert codes(_resolve_form(first).findings) == ["late"]
    _post_resolve(client, matter, **ON_TOPIC, publish_anyway="on", warned="late")

    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert [c["code"] for c in event.data["checks"]] == ["late"]
    assert event.data["checks"][0]["score"] == pytest.approx(3, abs=0.01)


@needs_db
def test_the_api_publishes_and_returns_the_warnings(world, new_matter):
    matter = _handled(world, new_matter)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {issue_token(world.by_role[Role.GRID_WORKER])[1]}")

    response = api.post(f"/api/v1/matters/{matter.pk}/actions/resolve/", SCHOOL, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert [c["code"] for c in response.json()["reply_checks"]] == ["low_relevance"]
    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert event.data["checks"] == response.json()["reply_checks"]


# --- the live check (htmx) ---------------------------------------------------------------------


@needs_db
def test_the_live_check_shows_the_handler_the_warnings(client, world, new_matter):
    matter = _handled(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])
    url = reverse("triage:reply_check", args=[matter.pk])

    off = client.post(url, SCHOOL, HTTP_HX_REQUEST="true")
    on = client.post(url, ON_TOPIC, HTTP_HX_REQUEST="true")

    assert off.status_code == on.status_code == 200
    assert 'data-finding="low_relevance"' in off.content.decode()
    assert 'data-finding="none"' in on.content.decode()
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert f'hx-post="{url}"' in page


@needs_db
@pytest.mark.parametrize("who,status", [
    ("resident", 403),  # the reporter sees the matter but may not record its result
    ("same_community", 404),  # another resident does not see it
    ("mediator", 403),  # staff who see it but do not handle it
    ("grid_worker", 200),
])
def test_only_the_handler_may_use_the_live_check(client, world, new_matter, who, status):
    matter = _handled(world, new_matter)
    person = getattr(world, who, None) or world.by_role[Role(who)]
    client.force_login(person)

    response = client.post(reverse("triage:reply_check", args=[matter.pk]), ON_TOPIC)

    assert response.status_code == status


@needs_db
def test_the_live_check_is_post_only_and_needs_a_login(client, world, new_matter):
    matter = _handled(world, new_matter)
    url = reverse("triage:reply_check", args=[matter.pk])

    assert client.post(url, ON_TOPIC).status_code == 302  # to the login page
    client.force_login(world.by_role[Role.GRID_WORKER])
    assert client.get(url).status_code == 405


# --- the baseline page ---------------------------------------------------------------------------

# Staff who see matters (the page compares their district's reply times with the baseline);
# partner units, property companies and owners' committees see none.
STAFF = set(Role) - {Role.RESIDENT, Role.PARTNER_MEMBER, Role.PROPERTY_STAFF,
                     Role.OWNERS_COMMITTEE}


@needs_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_baseline_page_opens_for_staff_only(client, world, role):
    client.force_login(world.by_role[role])

    response = client.get(reverse("triage:reply_baseline"))

    assert response.status_code == (200 if role in STAFF else 403)


@needs_db
def test_the_baseline_page_needs_a_login(client):
    response = client.get(reverse("triage:reply_baseline"))

    assert response.status_code == 302 and "/login/" in response["Location"]


@needs_db
def test_the_baseline_page_shows_the_figures_the_chart_and_the_districts_own(
        client, world, new_matter, time_machine):
    time_machine.move_to(timezone.now())
    matter = _handled(world, new_matter)
    time_machine.move_to(timezone.now() + timedelta(days=4))
    services.resolve(matter, by=world.by_role[Role.GRID_WORKER], **ON_TOPIC)
    new_matter(title="另一件还没办完的事")  # no result yet: not counted
    client.force_login(world.by_role[Role.GRID_WORKER])

    response = client.get(reverse("triage:reply_baseline"))

    html = response.content.decode()
    baseline = replies.calibration()["reply_time"]
    assert "2816" in html and "11.2" in html and "41.0" in html  # count, median, p90
    assert 'id="reply-baseline-data" type="application/json"' in html
    assert "vendor/echarts-6.1.0/echarts.min.js" in html and "triage/reply_baseline.js" in html
    assert "<script>" not in html  # no inline executable script (CSP)
    district = response.context["district"]
    assert district["count"] == 1
    assert district["median_days"] == pytest.approx(4, abs=0.01)
    assert response.context["buckets"][2]["district"]["count"] == 1  # 3–7 days
    chart = response.context["chart"]
    assert len(chart["series"]) == 2
    assert chart["series"][0]["data"][3] == pytest.approx(100 * baseline["buckets"][3]["share"],
                                                          abs=0.05)


@needs_db
def test_the_district_figures_count_only_matters_the_user_sees(client, world, new_matter):
    matter = _handled(world, new_matter)
    services.resolve(matter, by=world.by_role[Role.GRID_WORKER], **ON_TOPIC)
    client.force_login(world.by_role[Role.MEDIATOR])  # sees the community's matters
    seen = client.get(reverse("triage:reply_baseline")).context["district"]["count"]
    client.force_login(world.by_role[Role.DEPARTMENT_STAFF])  # sees only what is whistled

    assert seen == 1
    assert client.get(reverse("triage:reply_baseline")).context["district"]["count"] == 0
