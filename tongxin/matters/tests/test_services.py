"""The matter loop through its services: raise, hear, escalate, whistle, resolve, judge."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters import services
from tongxin.matters.choices import Kind, Level, Status, WhistleStatus
from tongxin.matters.models import Matter, MatterEvent, Photo, Support
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person

pytestmark = pytest.mark.django_db


def counts():
    return (Matter.objects.count(), MatterEvent.objects.count(), Photo.objects.count())


def jpeg(name="photo.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def grid_worker(world):
    return world.by_role[Role.GRID_WORKER]


@pytest.fixture
def department_staff(world):
    """Two departments with one member each: 城管局 (world) and 住建局."""
    second = create_organisation(kind=OrgKind.DEPARTMENT, name="住建局", place=world.district)
    member = create_person(full_name="住建局干部", username="zhujian")
    assign_role(member, role=Role.DEPARTMENT_STAFF, place=world.district, organisation=second)
    return {"城管局": (world.department, world.by_role[Role.DEPARTMENT_STAFF]),
            "住建局": (second, member)}


# --- raise ------------------------------------------------------------------------------------


def test_a_resident_raises_in_their_building_owned_by_their_grid(world, new_matter):
    matter = new_matter(photos=[jpeg()])
    assert matter.place == world.b1 and matter.reporter == world.resident
    assert (matter.owner_level, matter.owner_place) == (Level.GRID, world.g1)
    assert matter.status == Status.NEW and matter.due_at is not None
    assert list(matter.events.values_list("action", flat=True)) == ["raised"]
    assert matter.photos.get().event == matter.events.get()


def test_the_same_idempotency_key_files_once(world, new_matter):
    first = new_matter(idempotency_key="tap-1")
    second = new_matter(idempotency_key="tap-1")
    assert first.pk == second.pk and Matter.objects.count() == 1
    assert MatterEvent.objects.count() == 1


@pytest.mark.parametrize("fields,code", [
    ({"title": "   "}, "title_required"),
    ({"title": "\u200b\u200b"}, "title_required"),
    ({"description": ""}, "description_required"),
    ({"title": "长" * 101}, "title_too_long"),
])
def test_bad_text_is_refused_and_nothing_stored(world, new_matter, fields, code):
    before = counts()
    with pytest.raises(ServiceError) as refused:
        new_matter(**fields)
    assert refused.value.code == code
    assert counts() == before


def test_a_pdf_named_jpg_is_refused_and_nothing_stored(world, new_matter):
    before = counts()
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "image/jpeg")
    with pytest.raises(ServiceError) as refused:
        new_matter(photos=[jpeg(), fake])
    assert refused.value.code == "not_an_image"
    assert counts() == before


def test_a_50_mb_photo_is_refused_and_nothing_stored(world, new_matter):
    before = counts()
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (50 * 1024 * 1024), "image/jpeg")
    with pytest.raises(ServiceError) as refused:
        new_matter(photos=[huge])
    assert refused.value.code == "photo_too_big"
    assert counts() == before


def test_photos_are_re_encoded_without_exif(world, new_matter):
    buffer = io.BytesIO()
    image = Image.new("RGB", (80, 60), (0, 128, 0))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS latitude
    exif[0x010F] = "PhoneMaker"
    image.save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("gps.jpg", buffer.getvalue(), "image/jpeg")
    photo = new_matter(photos=[upload]).photos.get()
    with photo.image.open("rb") as stored, Image.open(stored) as reread:
        assert reread.format == "JPEG"
        assert not reread.getexif() and "exif" not in reread.info


def png(name="photo.png", size=(64, 48), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_photos_over_the_total_pixel_budget_are_refused_before_any_is_decoded(
        world, new_matter, settings, monkeypatch):
    """Nine 6300x6300 PNGs (170 KB each) once cost 15.7 s and 440 MB: now refused from
    their headers, in the user's language, with nothing decoded and nothing stored."""
    settings.TONGXIN_PHOTO_MAX_DECODED_PIXELS = 2 * 300 * 300
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))
    before = counts()
    with pytest.raises(ServiceError) as refused:
        new_matter(photos=[png(f"{n}.png", (300, 300)) for n in range(3)])
    assert refused.value.code == "photos_too_many_pixels"
    assert refused.value.field == "photos"
    assert "0.3" in refused.value.message and "0.2" in refused.value.message
    assert decoded == []
    assert counts() == before


def test_photos_within_the_budget_are_kept_and_a_large_jpeg_is_decoded_shrunk(
        world, new_matter, settings, monkeypatch):
    """A JPEG is decoded at a fraction of its size (draft), so it costs its shrunk pixels."""
    settings.TONGXIN_PHOTO_MAX_DECODED_PIXELS = 3_300_000  # less than one 4096x3072 photo
    sizes = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load",
                        lambda image: sizes.append(image.size) or load(image))
    matter = new_matter(photos=[jpeg("big.jpg", (4096, 3072)), png("small.png", (300, 200))])
    assert sorted((p.width, p.height) for p in matter.photos.all()) == [(300, 200),
                                                                         (2048, 1536)]
    assert max(w * h for w, h in sizes) <= 2048 * 1536


@pytest.mark.parametrize("mode", ["P", "RGBA", "L", "1", "I;16", "LA", "CMYK"])
def test_photos_of_every_mode_come_out_as_shrunk_rgb_jpegs(world, new_matter, mode):
    if mode == "CMYK":
        buffer = io.BytesIO()
        Image.new(mode, (3000, 1000)).save(buffer, format="JPEG")
        upload = SimpleUploadedFile("cmyk.jpg", buffer.getvalue(), content_type="image/jpeg")
    else:
        upload = png(size=(3000, 1000), mode=mode)
    photo = new_matter(photos=[upload]).photos.get()
    assert (photo.width, photo.height) == (2048, 683)
    with photo.image.open("rb") as stored, Image.open(stored) as reread:
        assert reread.format == "JPEG" and reread.mode == "RGB" and reread.size == (2048, 683)


def test_a_photo_taken_sideways_is_stored_upright(world, new_matter):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90 degrees clockwise to view
    Image.new("RGB", (4000, 3000), (0, 0, 200)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("side.jpg", buffer.getvalue(), "image/jpeg")
    photo = new_matter(photos=[upload]).photos.get()
    assert (photo.width, photo.height) == (1500, 2000)  # decoded at half size, then turned
    with photo.image.open("rb") as stored, Image.open(stored) as reread:
        assert reread.size == (1500, 2000) and not reread.getexif()


def test_a_category_of_another_district_is_refused(world, new_matter):
    from tongxin.matters.categories import seed_categories
    from tongxin.matters.models import Category
    from tongxin.places.services import create_place

    other = create_place(kind="district", name="别区", code="990102")
    seed_categories(other)
    foreign = Category.objects.get(district=other, name="乱停乱放")
    before = counts()
    with pytest.raises(ServiceError) as refused:
        new_matter(category=foreign)
    assert refused.value.code == "bad_category"
    assert counts() == before


def test_a_resident_cannot_raise_for_another_compound(world, new_matter):
    with pytest.raises(PermissionDenied):
        new_matter(place=world.b3)


def test_staff_record_on_behalf_with_channel_and_level(world, new_matter, grid_worker):
    matter = new_matter(by=grid_worker, reporter=world.neighbour, place=world.b1,
                        channel="visit", level="compound")
    assert (matter.reporter, matter.created_by, matter.channel) == (world.neighbour, grid_worker, "visit")
    assert (matter.owner_level, matter.owner_place) == (Level.COMPOUND, world.compound_a1a)
    assert matter.events.get().data["on_behalf"] is True


# --- me too, merge ----------------------------------------------------------------------------


def test_support_once_and_merge_moves_supporters(world, new_matter, grid_worker):
    original = new_matter()
    duplicate = new_matter(by=world.neighbour, title="东门电动车堵消防通道",
                           description="晚上东门全是电动车，消防车进不来")
    services.support(original, by=world.resident_b)
    services.support(original, by=world.resident_b)
    assert Support.objects.filter(matter=original).count() == 1
    services.support(duplicate, by=world.same_compound)
    services.merge(duplicate, into=original, by=grid_worker)
    original.refresh_from_db(), duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    assert set(original.supports.values_list("person__username", flat=True)) == {
        "resident_b", "neighbour", "same_compound"}
    assert original.supporter_count == 3


def test_similar_open_matters_find_a_paraphrase_in_the_compound(world, new_matter):
    target = new_matter()
    new_matter(title="楼上装修噪音太大", description="每天早上七点就开始电钻，严重影响休息")
    found = services.similar_open_matters(place=world.b1, text="东门口电动车停得乱七八糟，消防通道堵死了")
    assert [m.pk for m in found][:1] == [target.pk]


# --- the loop ---------------------------------------------------------------------------------


def test_the_whole_loop_with_rectification(world, new_matter, grid_worker, department_staff):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.PENDING, golden_reason="建议划定电动车停放区")
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS and matter.golden_idea
    services.escalate(matter, by=grid_worker, reason="需要社区协调物业", to_level=Level.COMMUNITY)
    with pytest.raises(PermissionDenied):  # the grid worker no longer owns it
        services.escalate(matter, by=grid_worker, reason="再上报")
    services.escalate(matter, by=world.by_role[Role.COMMUNITY_SECRETARY], reason="涉及多个部门")
    services.escalate(matter, by=world.by_role[Role.STREET_OFFICER], reason="联席会议无法解决")
    matter.refresh_from_db()
    assert (matter.owner_level, matter.owner_place) == (Level.DISTRICT, world.district)
    officer = world.by_role[Role.DISTRICT_OFFICER]
    (first, first_staff), (second, second_staff) = department_staff.values()
    services.whistle(matter, by=officer, departments=[first, second])
    whistles = {w.department_id: w for w in matter.whistles.all()}
    services.report_in(whistles[first.pk], by=first_staff)
    with pytest.raises(PermissionDenied):  # one department cannot answer for another
        services.answer_whistle(whistles[first.pk], by=second_staff, answer="代答")
    services.answer_whistle(whistles[second.pk], by=second_staff, answer="已协调电动车棚建设")
    assert matter.whistles.get(department=second).status == WhistleStatus.ANSWERED
    services.resolve(matter, by=officer, what_was_done="建成电动车棚一处", basis="消防法",
                     standard="消防通道全天畅通")
    services.rate(matter, by=world.resident, satisfaction="unsatisfied", comment="晚上还是堵")
    matter.refresh_from_db()
    assert matter.status == Status.RECTIFYING and matter.rework_count == 1
    services.resolve(matter, by=officer, what_was_done="增设夜间巡查", basis="消防法",
                     standard="消防通道全天畅通")
    services.inspect(matter, by=world.by_role[Role.BUILDING_HEAD], passed=True)
    services.rate(matter, by=world.resident, satisfaction="satisfied")
    matter.refresh_from_db()
    assert matter.status == Status.CLOSED and matter.satisfaction == "satisfied"
    assert matter.resolutions.count() == 2
    actions = list(matter.events.values_list("action", flat=True))
    assert actions == ["raised", "triaged", "golden_idea", "escalated", "escalated", "escalated",
                       "whistled", "department_reported", "department_answered", "resolved",
                       "rated", "resolved", "inspected", "rated"]


def test_an_unsatisfied_rating_needs_a_comment_and_changes_nothing_without_one(world, new_matter, grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid_worker, what_was_done="已清理", basis="物业合同", standard="通道畅通")
    with pytest.raises(ServiceError) as refused:
        services.rate(matter, by=world.resident, satisfaction="unsatisfied", comment="")
    assert refused.value.code == "comment_required"
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED and matter.rework_count == 0


def test_a_failed_inspection_counts_as_rework(world, new_matter, grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid_worker, what_was_done="已清理", basis="物业合同", standard="通道畅通")
    services.inspect(matter, by=world.by_role[Role.OWNERS_COMMITTEE], passed=False, note="没清干净")
    matter.refresh_from_db()
    assert matter.status == Status.RECTIFYING and matter.rework_count == 1


def test_reopen_within_the_window_only(world, new_matter, grid_worker, time_machine):
    time_machine.move_to("2026-11-02 10:00 +0800", tick=False)
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid_worker, what_was_done="已清理", basis="物业合同", standard="通道畅通")
    services.rate(matter, by=world.resident, satisfaction="basically")
    time_machine.move_to("2026-11-10 10:00 +0800", tick=False)
    services.reopen(matter, by=world.resident, reason="又堵了")
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS and matter.reopen_count == 1
    services.resolve(matter, by=grid_worker, what_was_done="再次清理", basis="物业合同", standard="通道畅通")
    services.rate(matter, by=world.resident, satisfaction="satisfied")
    time_machine.move_to("2026-12-01 10:00 +0800", tick=False)
    with pytest.raises(services.TransitionError) as refused:
        services.reopen(matter, by=world.resident, reason="还是堵")
    assert refused.value.code == "window_passed"


def test_closed_but_not_solved_is_its_own_status(world, new_matter, grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.PENDING)
    services.close_unsolved(matter, by=grid_worker, reason="产权纠纷，需司法途径")
    matter.refresh_from_db()
    assert matter.status == Status.CLOSED_UNSOLVED and matter.closed_at is not None


def test_park_until_the_next_deliberation_day(world, new_matter, grid_worker, time_machine):
    time_machine.move_to("2026-11-23 10:00 +0800", tick=False)
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.PENDING)
    services.park(matter, by=grid_worker)
    matter.refresh_from_db()
    assert matter.status == Status.AWAITING_DELIBERATION
    assert matter.deliberation_on.isoformat() == "2026-12-10"
    services.resume(matter, by=grid_worker)
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS and matter.due_at is not None


def test_only_a_district_owned_matter_is_whistled(world, new_matter, department_staff):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.DISTRICT_OFFICER], kind=Kind.PENDING)
    with pytest.raises(services.TransitionError) as refused:
        services.whistle(matter, by=world.by_role[Role.DISTRICT_OFFICER],
                         departments=[world.department])
    assert refused.value.code == "not_district"


def test_a_partner_unit_cannot_be_whistled_as_a_department(world, new_matter):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    matter = new_matter()
    services.escalate(matter, by=officer, reason="直接上报", to_level=Level.DISTRICT)
    with pytest.raises(ServiceError) as refused:
        services.whistle(matter, by=officer, departments=[world.partner])
    assert refused.value.code == "bad_department"
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS and not matter.whistles.exists()


def test_a_triage_correction_is_recorded_as_a_labelled_example(world, new_matter, grid_worker, categories):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE, category=categories["飞线充电"])
    event = matter.events.get(action="recategorised")
    assert event.data == {"old_category": categories["乱停乱放"].pk,
                          "new_category": categories["飞线充电"].pk}
    assert event.visibility == "internal"
