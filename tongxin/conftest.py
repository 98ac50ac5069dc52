"""Fixtures shared by every app's tests: a small world with one person in every role."""

import os
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import transaction

from tongxin.kernel.scope import forget_scope
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person
from tongxin.places.choices import PlaceKind as K
from tongxin.places.services import create_place

PASSWORD = "a-long-test-password"
RESIDENT_ATTRS = ["resident", "resident_b", "neighbour", "same_compound", "same_community",
                  "same_street", "other_street"]


def build_world():
    """Build a district with two streets and one holder of every role.

    Everyone's "home" area is street A / community A1 / compound A1a / grid g1 /
    building b1 / household h1; the other places are there to be out of scope.

        district
        ├── street_a
        │   ├── community_a1
        │   │   ├── compound_a1a ── grid g1 ── b1 ── h1, h2
        │   │   │               └── grid g2 ── b2 ── h3
        │   │   └── compound_a1b ── grid g3 ── b3 ── h4
        │   └── community_a2 ── compound_a2a ── grid g4 ── b4 ── h5
        └── street_b ── community_b1 ── compound_b1a ── grid g5 ── b5 ── h6
    """
    w = SimpleNamespace()
    w.district = create_place(kind=K.DISTRICT, name="同心区", code="990101")
    w.street_a = create_place(kind=K.STREET, name="同心街道", parent=w.district)
    w.street_b = create_place(kind=K.STREET, name="和平街道", parent=w.district)
    w.community_a1 = create_place(kind=K.COMMUNITY, name="红星社区", parent=w.street_a)
    w.community_a2 = create_place(kind=K.COMMUNITY, name="光明社区", parent=w.street_a)
    w.community_b1 = create_place(kind=K.COMMUNITY, name="和平社区", parent=w.street_b)
    w.compound_a1a = create_place(kind=K.COMPOUND, name="幸福小区", parent=w.community_a1)
    w.compound_a1b = create_place(kind=K.COMPOUND, name="安居小区", parent=w.community_a1)
    w.compound_a2a = create_place(kind=K.COMPOUND, name="光明小区", parent=w.community_a2)
    w.compound_b1a = create_place(kind=K.COMPOUND, name="和平小区", parent=w.community_b1)
    w.g1 = create_place(kind=K.GRID, name="第1网格", parent=w.compound_a1a)
    w.g2 = create_place(kind=K.GRID, name="第2网格", parent=w.compound_a1a)
    w.g3 = create_place(kind=K.GRID, name="第1网格", parent=w.compound_a1b)
    w.g4 = create_place(kind=K.GRID, name="第1网格", parent=w.compound_a2a)
    w.g5 = create_place(kind=K.GRID, name="第1网格", parent=w.compound_b1a)
    for n, grid in enumerate([w.g1, w.g2, w.g3, w.g4, w.g5], start=1):
        setattr(w, f"b{n}", create_place(kind=K.BUILDING, name=f"{n}号楼", parent=grid))
    w.h1 = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=w.b1)
    w.h2 = create_place(kind=K.HOUSEHOLD, name="1单元102", parent=w.b1)
    w.h3 = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=w.b2)
    w.h4 = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=w.b3)
    w.h5 = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=w.b4)
    w.h6 = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=w.b5)

    committee = create_organisation(
        kind=OrgKind.PARTY_WORKING_COMMITTEE, name="同心街道党工委", place=w.street_a
    )
    community_committee = create_organisation(
        kind=OrgKind.COMMUNITY_PARTY_COMMITTEE, name="红星社区党委", place=w.community_a1,
        parent=committee,
    )
    branch = create_organisation(
        kind=OrgKind.COMPOUND_PARTY_BRANCH, name="幸福小区党支部", place=w.compound_a1a,
        parent=community_committee,
    )
    create_organisation(
        kind=OrgKind.GRID_PARTY_GROUP, name="第1网格党小组", place=w.g1, parent=branch
    )
    w.department = create_organisation(kind=OrgKind.DEPARTMENT, name="城管局", place=w.district)
    w.partner = create_organisation(
        kind=OrgKind.PARTNER_UNIT, name="区医院", place=w.community_a1
    )
    w.property = create_organisation(
        kind=OrgKind.PROPERTY_COMPANY, name="幸福物业", place=w.compound_a1a
    )
    w.owners = create_organisation(
        kind=OrgKind.OWNERS_COMMITTEE, name="幸福小区业委会", place=w.compound_a1a
    )

    phones = iter(f"1390000{n:04d}" for n in range(1, 100))

    def person(username, name, household=None):
        return create_person(
            full_name=name, phone=next(phones), household=household,
            username=username, password=PASSWORD,
        )

    # Residents: r1 and r1b share h1; the others live further and further away.
    w.resident = person("resident", "张小明", w.h1)
    assign_role(w.resident, role=Role.RESIDENT, place=w.h1)
    w.resident_b = person("resident_b", "张大明", w.h1)
    w.neighbour = person("neighbour", "李邻", w.h2)
    w.same_compound = person("same_compound", "王同院", w.h3)
    w.same_community = person("same_community", "赵同社", w.h4)
    w.same_street = person("same_street", "钱同街", w.h5)
    w.other_street = person("other_street", "孙外街", w.h6)

    holders = {
        Role.GRID_WORKER: (w.g1, None),
        Role.BUILDING_HEAD: (w.b1, None),
        Role.COMPOUND_SECRETARY: (w.compound_a1a, None),
        Role.COMMUNITY_SECRETARY: (w.community_a1, None),
        Role.COMMITTEE_MEMBER: (w.community_a1, None),
        Role.MEDIATOR: (w.community_a1, None),
        Role.LEGAL_ADVISER: (w.community_a1, None),
        Role.COMMUNITY_POLICE: (w.community_a1, None),
        Role.STREET_OFFICER: (w.street_a, None),
        Role.DISTRICT_OFFICER: (w.district, None),
        Role.DEPARTMENT_STAFF: (w.district, w.department),
        Role.PARTNER_MEMBER: (w.community_a1, w.partner),
        Role.PROPERTY_STAFF: (w.compound_a1a, w.property),
        Role.OWNERS_COMMITTEE: (w.compound_a1a, w.owners),
        Role.SYSTEM_ADMIN: (w.district, None),
    }
    w.by_role = {Role.RESIDENT: w.resident}
    for role, (place, organisation) in holders.items():
        # Staff live outside the district's households so that only roles grant sight.
        holder = person(role.value, f"{role.value}", None)
        assign_role(holder, role=role, place=place, organisation=organisation)
        w.by_role[role] = holder
    return w


@contextmanager
def built_once(django_db_blocker, build):
    """Build test data once for a module, in a transaction rolled back at its end.

    Each test still runs in its own savepoint (the ``db`` fixture), so what one test
    writes is gone before the next.
    """
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block._from_testcase = True  # a test's wrapper, not the code's (see below)
        with block:
            yield build()
            transaction.set_rollback(True)


# --- Commits as production sees them -------------------------------------------------------
# Tests run inside transactions that are rolled back (the ``db`` fixture, the module
# worlds above), so nothing would ever commit and no ``transaction.on_commit`` callback
# (kernel events, e-mails, webhooks) would run. Production commits when the outermost
# atomic block of the code exits. These two patches treat the tests' own wrapping
# blocks (marked ``_from_testcase``, as Django marks TestCase's) as absent: a callback
# registered outside any block of the code runs at once, and the callbacks of the
# code's outermost block run when it exits without error. A block that rolls back
# discards its callbacks as always, so a rolled-back service produces no side effect.
from django.db.backends.base.base import BaseDatabaseWrapper  # noqa: E402
from django.db.transaction import Atomic, get_connection  # noqa: E402

_django_on_commit = BaseDatabaseWrapper.on_commit
_django_atomic_exit = Atomic.__exit__


def _only_test_blocks(connection):
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _run_pending(connection):
    while connection.run_on_commit:
        _sids, func, robust = connection.run_on_commit.pop(0)
        if robust:
            try:
                func()
            except Exception:
                pass
        else:
            func()


def _on_commit(self, func, robust=False):
    if self.in_atomic_block and _only_test_blocks(self):
        _django_on_commit(self, func, robust)
        _run_pending(self)
        return
    _django_on_commit(self, func, robust)


def _atomic_exit(self, exc_type, exc_value, traceback):
    result = _django_atomic_exit(self, exc_type, exc_value, traceback)
    connection = get_connection(self.using)
    if (exc_type is None and not getattr(self, "_from_testcase", False)
            and connection.in_atomic_block and _only_test_blocks(connection)
            and not connection.needs_rollback):
        _run_pending(connection)
    return result


BaseDatabaseWrapper.on_commit = _on_commit
Atomic.__exit__ = _atomic_exit


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_world) as world:
        yield world


@pytest.fixture
def world(_module_world, db):
    """Return the world with every person fresh from the database and no cached scope."""
    people = [getattr(_module_world, name) for name in RESIDENT_ATTRS]
    people += list(_module_world.by_role.values())
    for person in people:
        forget_scope(person)
        person.refresh_from_db()
    return _module_world


@pytest.fixture(scope="module")
def _module_categories(_module_world, django_db_blocker):
    """Seed the category tree once per module, inside the module's world transaction."""
    from tongxin.matters.categories import seed_categories
    from tongxin.matters.models import Category

    with django_db_blocker.unblock():
        seed_categories(_module_world.district)
        return {c.name: c for c in Category.objects.filter(district=_module_world.district)}


@pytest.fixture
def categories(world, _module_categories):
    """Return the world district's categories by name."""
    return _module_categories


@pytest.fixture
def parking(categories):
    return categories["乱停乱放"]


@pytest.fixture
def new_matter(world, parking):
    """Return a function raising a matter as the world's resident (in building b1, grid g1).

    Fixture matters do not count against the rate limits (``limit=False``): a test that
    needs 60 matters is setting a scene, not flooding.
    """
    from tongxin.matters.services import raise_matter

    def make(title="小区东门电动车乱停放", description="东门口每天晚上堆满电动车，消防通道被堵住了。",
             by=None, **fields):
        fields.setdefault("limit", False)
        return raise_matter(by=by or world.resident, title=title, description=description,
                            category=fields.pop("category", parking), **fields)

    return make


# --- A real headless Chromium (Debian's package), driven by Playwright -------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Launch Chromium once per test session."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page_checks(request):
    """Return the accessibility checks run on every page state of the test's browser pages.

    ``new_page`` attaches them to each context (see tongxin/core/tests/page_checks.py). A test
    that shows a broken page on purpose says so with ``@pytest.mark.pages_unchecked(reason)``.
    """
    from tongxin.core.tests.page_checks import PageChecks

    return PageChecks()


@pytest.fixture
def new_page(browser, page_checks, request):
    """Open pages in fresh browser contexts (no shared cookies); close them afterwards.

    Every page listens to the console: a Content-Security-Policy violation (an inline
    script or style the policy blocks) fails the test at teardown. Every page state (each
    load and each htmx swap) is checked for accessibility (``page_checks``): a problem
    fails the test at teardown too, unless it is marked ``pages_unchecked(reason)``.
    """
    contexts, violations = [], []
    unchecked = request.node.get_closest_marker("pages_unchecked")
    if unchecked is not None:
        assert unchecked.args or unchecked.kwargs.get("reason"), "pages_unchecked needs a reason"

    def open_page(viewport=None, locale="zh-CN"):
        context = browser.new_context(viewport=viewport or {"width": 390, "height": 844},
                                      locale=locale)
        contexts.append(context)
        # Playwright's 30 s is too short for a loaded CI machine; a hang still ends the test.
        context.set_default_timeout(90_000)
        page_checks.attach(context)
        page = context.new_page()
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    yield open_page
    page_checks.settle()
    request.node.user_properties.append(
        ("page_checks", f"{page_checks.states} page states checked in {page_checks.seconds:.2f} s"))
    print(f"page checks: {page_checks.states} states, {page_checks.seconds:.2f} s")
    for context in contexts:
        context.close()
    assert not violations, violations
    if unchecked is None:
        page_checks.verdict()


def screenshot(page, name):
    """Keep a screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
