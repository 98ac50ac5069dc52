"""Build the fictional demo district 同心区, deterministically and only once.

The layout (names, household counts, residents, phone and ID numbers) is planned
first from seeded generators without touching the database, so it is the same on
every run; it is then written in plan order through the services, so the codes
that the services allocate are the same on every fresh database too. The 3,000
flats and their residents go through the services' bulk variants
(``write_households``), with the same codes, checks and events, because one by one
they take ~20 s.

A second run finds the district by its code and builds nothing; it only makes sure
that every demo login exists, holds its role and has the demo password, and writes
nothing when they do.

Then each app adds what it seeds, as it declared in the kernel registry
(``demo_seed``, in ``demo_order``): the category tree (matters), the deadline settings
and the 2026 holiday calendar (deadlines), the forty demo matters (demo/matters.py).
Each adds only what is missing, so a district loaded before a seed existed gets it on
the next run. Extra seeds (``demo_extra``: training the triage suggester) run after
the district is committed, from ``load_demo`` only (``run_seeds(extra=True)``).
"""

import itertools
import math
import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q

from tongxin.demo import names
from tongxin.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from tongxin.kernel import registry
from tongxin.matters.models import Matter
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.services import (
    assign_role,
    create_person,
    create_residents_in_bulk,
    grant_superuser,
    set_password,
)
from tongxin.people.validators import id_check_digit
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.places.services import create_place, create_places_in_bulk

DISTRICT_CODE = "990101"  # fictional: no real division code starts with 99
SEED = 2026
TARGET_HOUSEHOLDS = 3000
GRID_HOUSEHOLDS = 300  # one full-time grid worker per 300 households (seed 004)
MEDIATORS_PER_COMMUNITY = 2  # seed 004


# --- The plan: plain data, no database ---------------------------------------------


@dataclass
class Resident:
    full_name: str
    phone: str
    id_number: str = ""


@dataclass
class HouseholdPlan:
    name: str
    head: Resident | None  # None where a demo login lives as the head
    others: list = field(default_factory=list)


@dataclass
class BuildingPlan:
    name: str
    households: list


@dataclass
class GridPlan:
    name: str
    buildings: list

    @property
    def household_count(self):
        return sum(len(building.households) for building in self.buildings)


@dataclass
class CompoundPlan:
    name: str
    grids: list
    property_brand: str
    owners_committee: bool

    @property
    def household_count(self):
        return sum(grid.household_count for grid in self.grids)


@dataclass
class CommunityPlan:
    name: str
    compounds: list


@dataclass
class StreetPlan:
    name: str
    communities: list


@dataclass
class DistrictPlan:
    name: str
    streets: list

    def compounds(self):
        return [c for s in self.streets for m in s.communities for c in m.compounds]


class PeopleMaker:
    """Draw plausible, unique names, mobile numbers and ID numbers from one seeded generator."""

    def __init__(self, seed, phone_prefix):
        self.rng = random.Random(seed)
        self.phone_prefix = phone_prefix
        self.phones = set()
        self.id_numbers = set()

    def name(self, male):
        # Favour the common surnames at the front of the list, as real rosters do.
        surname = names.SURNAMES[int(len(names.SURNAMES) * self.rng.random() ** 2)]
        chars = names.MALE_GIVEN if male else names.FEMALE_GIVEN
        length = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(chars) for _position in range(length))

    def phone(self):
        while True:
            phone = self.phone_prefix + "%08d" % self.rng.randrange(10**8)
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, male, born_from, born_to):
        """Return a valid 18-character number (GB 11643) for someone born in the years given."""
        while True:
            year = self.rng.randint(born_from, born_to)
            month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
            # The 17th digit is odd for men and even for women.
            sequence = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = "%s%04d%02d%02d%03d" % (DISTRICT_CODE, year, month, day, sequence)
            number = first17 + id_check_digit(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def person(self, *, id_share=0.35, born_from=1945, born_to=2000, with_phone=True):
        male = self.rng.random() < 0.5
        full_name = self.name(male)
        phone = self.phone() if with_phone else ""
        id_number = ""
        if self.rng.random() < id_share:
            id_number = self.id_number(male, born_from, born_to)
        return Resident(full_name, phone, id_number)


def _household_names(count, rng):
    """Name ``count`` flats of one building: units of two flats a floor, 2单元301 style."""
    if count <= 24:
        units = 1
    elif count <= 48:
        units = 2
    else:
        units = 3
    floors = math.ceil(count / (units * 2))
    flats = [
        names.household_name(unit, floor, room)
        for unit in range(1, units + 1)
        for floor in range(1, floors + 1)
        for room in (1, 2)
    ]
    return flats[:count]


def _building_sizes(households, rng):
    """Split a grid's households into buildings of 24 to 60 flats (fewer only in tiny grids)."""
    sizes = []
    remaining = households
    while remaining > 60:
        # Never leave fewer than 24 flats for the last building.
        size = min(rng.choice((24, 30, 36, 40, 48, 54, 60)), remaining - 24)
        sizes.append(size)
        remaining -= size
    if remaining:
        sizes.append(remaining)
    return sizes


def _compound_sizes(rng):
    """Draw a household count per compound, TARGET_HOUSEHOLDS in all.

    Most compounds are old small ones or mid-sized; about one in eight is a large
    estate of more than 300 households, which needs two grids or more. The small
    ones are scaled so that the total comes out exactly.
    """
    count = sum(len(compounds) for _street, communities in names.STREETS
                for _community, compounds in communities)
    sizes = [rng.randint(310, 480) if rng.random() < 1 / 8 else rng.randint(30, 200)
             for _compound in range(count)]
    small = [i for i, size in enumerate(sizes) if size < GRID_HOUSEHOLDS]
    room = TARGET_HOUSEHOLDS - sum(size for size in sizes if size >= GRID_HOUSEHOLDS)
    scale = room / sum(sizes[i] for i in small)
    for i in small:
        sizes[i] = max(30, round(sizes[i] * scale))
    # Spread the rounding error one household at a time over the small compounds.
    step = 1 if sum(sizes) < TARGET_HOUSEHOLDS else -1
    for i in itertools.cycle(small):
        if sum(sizes) == TARGET_HOUSEHOLDS:
            break
        sizes[i] += step
    return sizes


def plan_district():
    """Return the demo district's layout and residents; the same on every call."""
    rng = random.Random(SEED)
    residents = PeopleMaker(SEED + 1, "139")
    sizes = iter(_compound_sizes(rng))
    streets = []
    first_building = True
    for street_name, communities in names.STREETS:
        community_plans = []
        for community_name, compound_names in communities:
            compound_plans = []
            for compound_name in compound_names:
                households = next(sizes)
                grid_count = math.ceil(households / GRID_HOUSEHOLDS)
                base, extra = divmod(households, grid_count)
                grids = []
                building_number = 0
                for grid_index in range(grid_count):
                    buildings = []
                    for size in _building_sizes(base + (grid_index < extra), rng):
                        building_number += 1
                        flats = []
                        for flat in _household_names(size, rng):
                            flats.append(HouseholdPlan(flat, residents.person()))
                        if first_building:
                            # The demo resident and building head live in the first two flats.
                            flats[0].head = None
                            flats[0].others = [
                                residents.person(id_share=1),
                                residents.person(
                                    id_share=1, born_from=2012, born_to=2018, with_phone=False
                                ),
                            ]
                            flats[1].head = None
                            first_building = False
                        buildings.append(BuildingPlan(names.building_name(building_number), flats))
                    grids.append(GridPlan(names.grid_name(grid_index + 1), buildings))
                # The first compound, where the demo logins work, has an owners' committee.
                first_compound = not (streets or community_plans or compound_plans)
                compound_plans.append(CompoundPlan(
                    compound_name, grids,
                    property_brand=rng.choice(names.PROPERTY_BRANDS),
                    owners_committee=first_compound or rng.random() < 0.5,
                ))
            community_plans.append(CommunityPlan(community_name, compound_plans))
        streets.append(StreetPlan(street_name, community_plans))
    return DistrictPlan(names.DISTRICT_NAME, streets)


# --- Where the demo logins work ------------------------------------------------------
#
# Anchors are found by name under the district, so they are the same on the first
# run (just after building) and on any later run.


@dataclass(frozen=True)
class Post:
    place: str  # an anchor name (see _anchors)
    organisation: str = ""
    household: str = ""  # the login lives here, as head of the household


LOGIN_POSTS = {
    "resident": Post("household", household="household"),
    "grid": Post("grid"),
    "grid2": Post("grid2"),
    "building": Post("building", household="household2"),
    "compound": Post("compound", "compound_branch"),
    "community": Post("community", "community_committee"),
    "committee": Post("community", "community_committee"),
    "mediator": Post("community"),
    "lawyer": Post("community"),
    "police": Post("community"),
    "street": Post("street", "street_office"),
    "district": Post("district", "governance_office"),
    "dept": Post("district", "department"),
    "partner": Post("community", "partner_unit"),
    "property": Post("compound", "property_company"),
    "owners": Post("compound", "owners_committee"),
    "admin": Post("district"),
}


def _child(parent, name):
    return Place.objects.get(parent=parent, name=name)


def _anchors(plan, district):
    """Return the places and organisations where the demo logins work, found by name."""
    street_plan = plan.streets[0]
    community_plan = street_plan.communities[0]
    compound_plan, compound2_plan = community_plan.compounds[:2]
    grid_plan = compound_plan.grids[0]
    building_plan = grid_plan.buildings[0]
    street = _child(district, street_plan.name)
    community = _child(street, community_plan.name)
    compound = _child(community, compound_plan.name)
    compound2 = _child(community, compound2_plan.name)
    grid = _child(compound, grid_plan.name)
    building = _child(grid, building_plan.name)
    places = {
        "district": district,
        "street": street,
        "community": community,
        "compound": compound,
        "grid": grid,
        "grid2": _child(compound2, compound2_plan.grids[0].name),
        "building": building,
        "household": _child(building, building_plan.households[0].name),
        "household2": _child(building, building_plan.households[1].name),
    }
    partner_unit = next(name for level, name in names.PARTNER_UNITS if level == "community")
    organisations = {
        "governance_office": (district, OrgKind.GOVERNANCE_OFFICE, names.GOVERNANCE_OFFICE),
        "department": (district, OrgKind.DEPARTMENT, names.DEPARTMENTS[0]),
        "street_office": (street, OrgKind.STREET_OFFICE, names.street_office(street.name)),
        "community_committee": (
            community, OrgKind.COMMUNITY_PARTY_COMMITTEE, names.community_committee(community.name)
        ),
        "compound_branch": (
            compound, OrgKind.COMPOUND_PARTY_BRANCH, names.compound_branch(compound.name)
        ),
        "partner_unit": (community, OrgKind.PARTNER_UNIT, partner_unit),
        "property_company": (
            compound, OrgKind.PROPERTY_COMPANY,
            names.property_company(compound_plan.property_brand, compound.name),
        ),
        "owners_committee": (
            compound, OrgKind.OWNERS_COMMITTEE, names.owners_committee(compound.name)
        ),
    }
    for key, (place, kind, name) in organisations.items():
        places[key] = Organisation.objects.get(place=place, kind=kind, name=name)
    return places


def _login_person(index, username):
    """Return the fixed name and phone of a demo login (1380010xxxx, apart from everyone)."""
    maker = PeopleMaker("%d:%s" % (SEED, username), "138")
    return maker.name(maker.rng.random() < 0.5), "1380010%04d" % (index + 1)


def _ensure_logins(anchors):
    """Create any missing demo login, role or password; return how many things changed."""
    changed = 0
    for index, login in enumerate(DEMO_LOGINS):
        post = LOGIN_POSTS[login.username]
        person = Person.objects.filter(username=login.username).first()
        if person is None:
            full_name, phone = _login_person(index, login.username)
            household = anchors[post.household] if post.household else None
            person = create_person(
                full_name=full_name, phone=phone, username=login.username,
                password=DEMO_PASSWORD, household=household, is_household_head=bool(household),
            )
            changed += 1
        elif not person.check_password(DEMO_PASSWORD):
            set_password(person, DEMO_PASSWORD)
            changed += 1
        place = anchors[post.place]
        if not RoleAssignment.objects.filter(person=person, role=login.role, place=place).exists():
            organisation = anchors[post.organisation] if post.organisation else None
            assign_role(person, role=login.role, place=place, organisation=organisation)
            changed += 1
        if login.role == Role.SYSTEM_ADMIN and not person.is_superuser:
            # The demo's administrator also shows the admin site: the role alone is scoped
            # to the district, the site-wide superuser is a separate, audited grant.
            grant_superuser(person, reason="demo")
            changed += 1
    return changed


# --- Writing the plan ------------------------------------------------------------------


def plan_households(plan):
    return sum(compound.household_count for compound in plan.compounds())


@transaction.atomic
def write_households(buildings):
    """Create the flats of new buildings, and the residents of those flats, in bulk.

    Through the services' bulk variants (places.services.create_places_in_bulk,
    people.services.create_residents_in_bulk): the same codes, checks and events as
    create_place and create_person one by one, which take ~20 s for 3,000 flats and
    people on SQLite. ``buildings`` are dicts with the new building's ``place`` and
    ``plan``; each gets ``heads``: the head of each flat, or None.
    """
    flats = iter(create_places_in_bulk(
        [(built["place"], [flat.name for flat in built["plan"].households])
         for built in buildings],
        kind=PlaceKind.HOUSEHOLD,
    ))
    residents, heads = [], []  # heads: (building, the flat head's index in residents or None)
    for built in buildings:
        for flat in built["plan"].households:
            household = next(flats)
            heads.append((built, len(residents) if flat.head else None))
            members = ([(flat.head, True)] if flat.head else []) + [(o, False) for o in flat.others]
            residents += [
                {"full_name": r.full_name, "phone": r.phone, "id_number": r.id_number,
                 "household": household, "is_household_head": is_head}
                for r, is_head in members
            ]
    people = create_residents_in_bulk(residents)
    for built in buildings:
        built["heads"] = []
    for built, index in heads:
        built["heads"].append(None if index is None else people[index])


class _Writer:
    """Write a plan through the services, staffing every post that no demo login holds."""

    def __init__(self, plan, stdout=None):
        self.plan = plan
        self.stdout = stdout
        self.staff = PeopleMaker(SEED + 2, "137")
        # (role, place, organisation) -> posts held by demo logins. The organisation
        # counts: the dept login holds a post at the district for one department only.
        self.reserved = {}
        self.buildings = []

    def say(self, message):
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def write(self):
        plan = self.plan
        district = create_place(
            kind=PlaceKind.DISTRICT, name=plan.name, code=DISTRICT_CODE
        )
        office = create_organisation(
            kind=OrgKind.GOVERNANCE_OFFICE, name=names.GOVERNANCE_OFFICE, place=district
        )
        departments = [
            create_organisation(kind=OrgKind.DEPARTMENT, name=name, place=district)
            for name in names.DEPARTMENTS
        ]
        built = []
        for street_plan in plan.streets:
            self.say("  %s" % street_plan.name)
            built.append(self.write_street(district, street_plan))
        self.say("  %d households" % plan_households(plan))
        write_households(self.buildings)
        self.write_partners(district, built)
        create_organisation(
            kind=OrgKind.SOCIAL_ORGANISATION, name=names.SOCIAL_ORGANISATION, place=district
        )
        # The places exist now: find the logins' posts, then staff all the others.
        anchors = _anchors(plan, district)
        for username, post in LOGIN_POSTS.items():
            role = next(login.role for login in DEMO_LOGINS if login.username == username)
            organisation = anchors[post.organisation].pk if post.organisation else None
            key = (role, anchors[post.place].pk, organisation)
            self.reserved[key] = self.reserved.get(key, 0) + 1
        self.staff_district(district, office, departments, built)
        return district, anchors

    def write_street(self, district, plan):
        street = create_place(kind=PlaceKind.STREET, name=plan.name, parent=district)
        committee = create_organisation(
            kind=OrgKind.PARTY_WORKING_COMMITTEE,
            name=names.street_working_committee(plan.name), place=street,
        )
        office = create_organisation(
            kind=OrgKind.STREET_OFFICE, name=names.street_office(plan.name), place=street
        )
        communities = [
            self.write_community(street, committee, community_plan)
            for community_plan in plan.communities
        ]
        return {"place": street, "office": office, "communities": communities}

    def write_community(self, street, street_committee, plan):
        community = create_place(kind=PlaceKind.COMMUNITY, name=plan.name, parent=street)
        committee = create_organisation(
            kind=OrgKind.COMMUNITY_PARTY_COMMITTEE, name=names.community_committee(plan.name),
            place=community, parent=street_committee,
        )
        compounds = [
            self.write_compound(community, committee, compound_plan)
            for compound_plan in plan.compounds
        ]
        return {"place": community, "committee": committee, "compounds": compounds}

    def write_compound(self, community, community_committee, plan):
        compound = create_place(kind=PlaceKind.COMPOUND, name=plan.name, parent=community)
        branch = create_organisation(
            kind=OrgKind.COMPOUND_PARTY_BRANCH, name=names.compound_branch(plan.name),
            place=compound, parent=community_committee,
        )
        company = create_organisation(
            kind=OrgKind.PROPERTY_COMPANY,
            name=names.property_company(plan.property_brand, plan.name), place=compound,
        )
        owners = None
        if plan.owners_committee:
            owners = create_organisation(
                kind=OrgKind.OWNERS_COMMITTEE, name=names.owners_committee(plan.name),
                place=compound,
            )
        grids = []
        for grid_plan in plan.grids:
            grid = create_place(kind=PlaceKind.GRID, name=grid_plan.name, parent=compound)
            create_organisation(
                kind=OrgKind.GRID_PARTY_GROUP, name=names.grid_group(plan.name, grid_plan.name),
                place=grid, parent=branch,
            )
            buildings = [self.write_building(grid, b) for b in grid_plan.buildings]
            grids.append({"place": grid, "buildings": buildings})
        return {"place": compound, "branch": branch, "property": company,
                "owners": owners, "grids": grids}

    def write_building(self, grid, plan):
        building = create_place(kind=PlaceKind.BUILDING, name=plan.name, parent=grid)
        # Its flats and residents are written in bulk once every building exists.
        built = {"place": building, "plan": plan, "heads": []}
        self.buildings.append(built)
        return built

    def write_partners(self, district, built):
        places = {
            "district": district,
            "street": built[0]["place"],
            "community": built[0]["communities"][0]["place"],
        }
        for level, name in names.PARTNER_UNITS:
            create_organisation(kind=OrgKind.PARTNER_UNIT, name=name, place=places[level])

    # --- staff ---

    def post(self, role, place, organisation=None, count=1):
        """Fill ``count`` posts of ``role`` at ``place``, less those the demo logins hold."""
        key = (role, place.pk, organisation.pk if organisation else None)
        for _post in range(count - self.reserved.get(key, 0)):
            person = self.staff.person(id_share=0)
            person = create_person(full_name=person.full_name, phone=person.phone)
            assign_role(person, role=role, place=place, organisation=organisation)

    def staff_district(self, district, office, departments, built):
        self.post(Role.DISTRICT_OFFICER, district, office)
        for department in departments:
            self.post(Role.DEPARTMENT_STAFF, district, department)
        for street in built:
            self.post(Role.STREET_OFFICER, street["place"], street["office"])
            for community in street["communities"]:
                self.staff_community(community)

    def staff_community(self, community):
        place, committee = community["place"], community["committee"]
        self.post(Role.COMMUNITY_SECRETARY, place, committee)
        self.post(Role.COMMITTEE_MEMBER, place, committee, count=2)
        self.post(Role.MEDIATOR, place, count=MEDIATORS_PER_COMMUNITY)
        self.post(Role.LEGAL_ADVISER, place)
        self.post(Role.COMMUNITY_POLICE, place)
        for compound in community["compounds"]:
            self.post(Role.COMPOUND_SECRETARY, compound["place"], compound["branch"])
            self.post(Role.PROPERTY_STAFF, compound["place"], compound["property"])
            if compound["owners"] is not None:
                self.post(Role.OWNERS_COMMITTEE, compound["place"], compound["owners"])
            for grid in compound["grids"]:
                self.post(Role.GRID_WORKER, grid["place"])
                for building in grid["buildings"]:
                    self.staff_building(building)

    def staff_building(self, building):
        """Make a resident of the building its head: the one in the second flat, as a rule."""
        place = building["place"]
        if self.reserved.get((Role.BUILDING_HEAD, place.pk, None)):
            return
        heads = building["heads"]
        head = heads[1] if len(heads) > 1 and heads[1] is not None else heads[0]
        if head is not None:
            assign_role(head, role=Role.BUILDING_HEAD, place=place)


# --- What the apps add: categories, deadlines, matters ---------------------------------


def run_seeds(district, *, extra=False, stdout=None):
    """Run the apps' demo seeds (kernel registry) in their order; return (changed, lines)."""
    changed, lines = 0, []
    for _app, seed in registry.demo_seeds(extra=extra):
        summary = seed(district, stdout=stdout) or {}
        changed += summary.get("changed", 0)
        if summary.get("line"):
            lines.append(summary["line"])
    return changed, lines


# --- The entry point -----------------------------------------------------------------


@dataclass
class DemoSummary:
    built: bool
    logins_changed: int
    seconds: float
    counts: dict
    setup_changed: int = 0  # categories, settings, holidays and matters added

    def line(self):
        counts = self.counts
        verb = "built" if self.built else "already there"
        return (
            "Demo district %s %s: %d streets, %d communities, %d compounds, %d grids, "
            "%d buildings, %d households, %d people, %d organisations, %d matters; "
            "%d login changes, %d setup changes; %.1f s"
            % (names.DISTRICT_NAME, verb, counts["street"], counts["community"],
               counts["compound"], counts["grid"], counts["building"], counts["household"],
               counts["people"], counts["organisations"], counts["matters"],
               self.logins_changed, self.setup_changed, self.seconds)
        )


def district_counts(district):
    """Count the district's places by kind, and its people and organisations."""
    places = Place.objects.within(district)
    counts = dict.fromkeys(PlaceKind.values, 0)
    counts.update(
        places.values_list("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n")
    )
    people = Person.objects.filter(
        Q(household__in=places) | Q(roles__place__in=places)
    ).distinct()
    counts["people"] = people.count()
    counts["organisations"] = Organisation.objects.filter(place__in=places).count()
    counts["matters"] = Matter.objects.filter(district=district).count()
    return counts


def build_demo_district(stdout=None):
    """Build the demo district unless it exists; make sure every demo login works and
    the district has what each app seeds (categories, deadline settings, holidays, demo
    matters), but the extra seeds, which ``load_demo`` runs afterwards.

    Everything happens in one transaction: a failed build leaves nothing behind,
    and a second run creates no row at all when the logins are intact.
    """
    started = time.monotonic()
    plan = plan_district()
    with transaction.atomic():
        district = Place.objects.filter(code=DISTRICT_CODE).first()
        built = district is None
        if built:
            district, anchors = _Writer(plan, stdout).write()
        else:
            anchors = _anchors(plan, district)
        changed = _ensure_logins(anchors)
        setup_changed, _lines = run_seeds(district, stdout=stdout)
    return DemoSummary(built, changed, time.monotonic() - started, district_counts(district),
                       setup_changed)
