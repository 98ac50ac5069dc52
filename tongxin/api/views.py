"""The REST endpoints: parse, authorise, call the services (STYLE.md), as the pages do.

Every list and lookup goes through the model's ``visible_to(request.user)`` and, for a
request signed with an API key, through the key's district (api.permissions). Every
change is a service call; refusals come back as the one error body (api.exceptions).
"""

import re

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Prefetch, Q
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status, throttling
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from tongxin.api import serializers as s
from tongxin.api.authentication import TokenAuthentication
from tongxin.api.exceptions import ApiError, OutOfJurisdiction
from tongxin.api.parsers import JSONParser, MultiPartParser
from tongxin.api.permissions import (
    api_key,
    check_jurisdiction,
    jurisdiction_code,
    within_jurisdiction,
)
from tongxin.api.throttling import SupportThrottle, WriteThrottle
from tongxin.api.tokens import issue_token, revoke_token
from tongxin.core.ratelimit import Limited, check, client_ip, hit
from tongxin.kernel import registry
from tongxin.kernel.paths import subtree_q
from tongxin.kernel.scope import scope_for
from tongxin.matters import actions, rules, selectors, services
from tongxin.matters.audit import record_reporter_read
from tongxin.matters.choices import Visibility
from tongxin.matters.models import Category, Matter, Photo, Whistle
from tongxin.matters.selectors import MatterFilters
from tongxin.matters.transitions import TRANSITIONS
from tongxin.notices import services as notice_services
from tongxin.notices.models import Notice
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.people.audit import record_contact_read
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.selectors import search_people
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")
MULTIPART = [JSONParser, MultiPartParser]
RAISE_PLACE_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING)


def is_form(request):
    """Whether the body is multipart/form-data (the only one that carries photos)."""
    return request.content_type.startswith("multipart/")


def field_error(field, code, message, status_code=status.HTTP_400_BAD_REQUEST):
    return ApiError(code, message, status_code=status_code, fields={field: [message]})


def filters(serializer_class, request):
    """Return the validated query parameters (400 with per-field messages if any is bad)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- querysets: visible_to, then the key's district -----------------------------------------


def visible_matters(request):
    return within_jurisdiction(Matter.objects.visible_to(request.user), request)


def visible_places(request):
    return within_jurisdiction(Place.objects.visible_to(request.user), request, "code")


def visible_people(request):
    people = Person.objects.visible_to(request.user)
    code = jurisdiction_code(request)
    if code is not None:
        people = people.filter(subtree_q(code, "household__code") | Q(
            pk__in=RoleAssignment.objects.filter(subtree_q(code, "place__code"))
            .values("person_id")))
    return people


def visible_categories(request):
    key = api_key(request)
    return selectors.categories_for(key.district if key is not None else request.user)


def visible_notices(request):
    notices = Notice.objects.visible_to(request.user)
    code = jurisdiction_code(request)
    if code is not None:
        notices = notices.filter(Q(place_code="") | subtree_q(code, "place_code"))
    return notices


def visible_whistles(request):
    return Whistle.objects.filter(matter__in=visible_matters(request).values("pk"))




# --- sign-in and who am I -------------------------------------------------------------------


class TokenView(APIView):
    """Exchange a user name (or phone number) and password for a token; revoke it."""

    authentication_classes = []  # DELETE checks its token itself: POST must ignore a stale one
    permission_classes = [permissions.AllowAny]
    throttle_classes = [throttling.ScopedRateThrottle]
    throttle_scope = "sign_in"
    error_statuses = (403, 429)

    def get_authenticate_header(self, request):
        return TokenAuthentication().authenticate_header(request)

    @extend_schema(
        tags=["auth"], auth=[], request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer},
        summary="Get a token",
        description="Sign in as on the sign-in page (user name or phone number); repeated "
                    "failures lock the account for a while (code `account_locked`). Send the "
                    "token as `Authorization: Token <token>`. Every sign-in gets a new token; "
                    "a token dies after 30 days unused or 90 days after it was issued, when "
                    "revoked, and with a new password, a lockout or deactivation (then 401).",
    )
    def post(self, request):
        address = client_ip(request._request)
        try:
            check("sign_in_failures", address)
        except Limited as error:
            raise exceptions.Throttled(error.retry_after) from None
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = authenticate(request._request, username=data["username"],
                              password=data["password"])
        if person is None:
            try:
                hit("sign_in_failures", address)
            except Limited:
                pass  # this failure is the last one allowed; the next request gets 429
            if getattr(request._request, "tongxin_locked", False):
                raise ApiError(
                    "account_locked",
                    _("Too many failed sign-ins: this account is locked for %(minutes)d minutes.")
                    % {"minutes": settings.TONGXIN_LOGIN_LOCKOUT_MINUTES},
                    status_code=status.HTTP_403_FORBIDDEN)
            raise ApiError("invalid_credentials", _("The user name or password is wrong."))
        token, key = issue_token(person)
        return Response({"token": key, "expires_at": token.expires_at,
                         "person": {"id": person.pk, "full_name": person.full_name}})

    @extend_schema(
        tags=["auth"], auth=[{"tokenAuth": []}], request=None,
        responses={204: OpenApiResponse(description="The token is revoked."),
                   401: OpenApiResponse(s.ErrorSerializer, description=(
                       "No token, or one already revoked or expired (`not_authenticated`)."))},
        summary="Sign out: revoke the token",
        description="Revoke the token that signs this request; it answers 401 from now on.",
    )
    def delete(self, request):
        found = TokenAuthentication().authenticate(request)
        if found is None:
            raise exceptions.NotAuthenticated()
        revoke_token(found[1], by=found[0], reason="owner")
        return Response(status=status.HTTP_204_NO_CONTENT)


def people_queryset(queryset):
    return queryset.select_related("household").prefetch_related(
        Prefetch("roles", queryset=RoleAssignment.objects.select_related("place", "organisation")))


class MeView(APIView):
    @extend_schema(tags=["auth"], responses={200: s.MeSerializer}, summary="Who am I")
    def get(self, request):
        person = people_queryset(Person.objects.filter(pk=request.user.pk)).get()
        person.staff = scope_for(request.user).staff
        key = api_key(request)
        person.api_key = ({"name": key.name, "district": key.district.code}
                          if key is not None else None)
        return Response(s.MeSerializer(person, context={"request": request}).data)


# --- places, people, categories ----------------------------------------------------------


class PlaceList(generics.ListAPIView):
    serializer_class = s.PlaceSerializer

    @extend_schema(tags=["places"], parameters=[s.PlaceFilterSerializer],
                   summary="Places in the caller's scope")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = filters(s.PlaceFilterSerializer, self.request)
        places = visible_places(self.request).select_related("parent")
        if data.get("within"):
            places = places.filter(subtree_q(data["within"]))
        if data.get("kind"):
            places = places.filter(kind=data["kind"])
        if data.get("q"):
            places = places.filter(name__contains=data["q"].strip())
        return places.order_by("code")


class PlaceDetail(generics.RetrieveAPIView):
    serializer_class = s.PlaceSerializer
    lookup_field = "code"

    @extend_schema(tags=["places"], summary="One place")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return visible_places(self.request).select_related("parent")


class PersonList(generics.ListAPIView):
    serializer_class = s.PersonSerializer

    @extend_schema(tags=["people"], parameters=[s.PersonFilterSerializer],
                   summary="People in the caller's scope",
                   description="Phone and ID numbers are masked (138****0000) unless the "
                               "caller's role needs them in full.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_contact_read(request, self.paginator.page.object_list)
        return response

    def get_queryset(self):
        data = filters(s.PersonFilterSerializer, self.request)
        people = people_queryset(visible_people(self.request))
        if data.get("q"):
            people = search_people(self.request.user, people, data["q"])
        if data.get("place"):
            people = people.filter(subtree_q(data["place"], "household__code"))
        return people.order_by("household__code", "full_name", "pk")


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = s.PersonSerializer

    @extend_schema(tags=["people"], summary="One person")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        record_contact_read(request, [person])
        return Response(self.get_serializer(person).data)

    def get_queryset(self):
        return people_queryset(visible_people(self.request))


class CategoryList(generics.ListAPIView):
    serializer_class = s.CategorySerializer

    @extend_schema(tags=["matters"], parameters=[s.CategoryFilterSerializer],
                   summary="Categories of the caller's district")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = filters(s.CategoryFilterSerializer, self.request)
        categories = visible_categories(self.request).select_related("district")
        if data.get("parent"):
            categories = categories.filter(parent_id=data["parent"])
        if data.get("depth") is not None:
            categories = categories.filter(depth=data["depth"])
        return categories.order_by("district__code", "depth", "position", "name", "pk")


# --- matters ---------------------------------------------------------------------------------


def matter_detail(request, matter):
    """Return the detail body of ``matter`` as ``request.user`` may see it."""
    user = request.user
    # Fresh, with what the body shows; already authorised (an action may have moved it
    # out of the caller's sight, e.g. a merge).
    matter = Matter.objects.select_related(*selectors.DETAIL_RELATED).get(pk=matter.pk)
    whistles = selectors.whistles_of(matter)
    staff = rules.sees_internal(user, matter, whistles)
    timeline = selectors.timeline_as_seen(matter, user, internal=staff)
    for item in timeline:
        actor = item.event.actor
        item.api_actor = actor.full_name if staff and actor is not None else None
    photos = list(Photo.objects.filter(matter=matter).filter(
        Q(event__isnull=True) | Q(event__visibility=Visibility.PUBLIC) if not staff else Q())
        .order_by("pk"))
    for photo in photos:
        photo.api_url = reverse("api:photo", args=[photo.pk])
    allowed = selectors.offered_actions(matter, user)
    allowed += [actions.ALIASES[a] for a in allowed if a in actions.ALIASES]
    matter.api_staff_view = staff
    matter.api_reporter = selectors.reporter_block(matter, user, staff=staff)
    record_reporter_read(request, matter, matter.api_reporter)
    matter.api_allowed_actions = sorted(allowed)
    matter.api_photos = photos
    matter.api_whistles = whistles
    matter.api_resolutions = selectors.results_as_seen(matter, user)
    matter.api_timeline = timeline
    return s.MatterDetailSerializer(matter, context={"request": request}).data


def _place_for_raise(request, code):
    """Return the place named by ``code``, the key's default place, or None (the service
    then takes the caller's own building)."""
    if code:
        place = Place.objects.filter(code=code).first()
        if place is None:
            raise field_error("place", "bad_place", _("No place with the code %(code)s.")
                              % {"code": code})
        if place.kind not in RAISE_PLACE_KINDS:  # as the document says, for staff too
            raise field_error("place", "place_kind", _("Choose a community, compound or building."))
        return place
    key = api_key(request)
    if key is not None and key.default_place_id:
        return key.default_place
    return None


def _category_for_raise(request, pk):
    category = Category.objects.filter(pk=pk, is_active=True).select_related("district").first()
    if category is None:
        raise field_error("category", "bad_category", _("Choose a category of this district."))
    key = api_key(request)
    if key is not None and category.district_id != key.district_id:
        raise OutOfJurisdiction()
    return category


def _reporter_for_raise(request, pk):
    if pk is None:
        return None
    reporter = visible_people(request).filter(pk=pk, household__isnull=False,
                                              is_active=True).first()
    if reporter is None:
        raise field_error("reporter", "bad_reporter",
                          _("No resident with the id %(id)s in your area.") % {"id": pk})
    return reporter


def _idempotency_key(request):
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise field_error(IDEMPOTENCY_HEADER, "invalid",
                          _("An idempotency key is 1 to 64 visible ASCII characters."))
    return value


MATTER_ERRORS = (409,)


class MatterListCreate(generics.ListAPIView):
    serializer_class = s.MatterListSerializer
    parser_classes = MULTIPART
    error_statuses = MATTER_ERRORS

    @extend_schema(tags=["matters"], parameters=[s.MatterFilterSerializer],
                   summary="Matters the caller may see",
                   description="Newest first; the same scope as the matter list page.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = filters(s.MatterFilterSerializer, self.request)
        return selectors.matter_list(self.request.user, filters=MatterFilters.from_api(data),
                                     within=jurisdiction_code(self.request))

    @extend_schema(
        tags=["matters"], summary="Raise a matter (说事)",
        request={"application/json": s.MatterRaiseSerializer,
                 "multipart/form-data": s.MatterRaiseFormSerializer},
        parameters=[OpenApiParameter(
            IDEMPOTENCY_HEADER, {"type": "string", "pattern": _IDEMPOTENCY_KEY.pattern,
                                 "minLength": 1, "maxLength": 64},
            OpenApiParameter.HEADER, required=False,
            description="Send the same key again (a retry) to get the first matter back "
                        "(200) instead of filing twice.")],
        responses={201: s.MatterDetailSerializer,
                   200: OpenApiResponse(s.MatterDetailSerializer,
                                        description="A retry: the matter filed the first time.")},
    )
    def post(self, request):
        key = _idempotency_key(request)
        user = request.user
        # Over the person's raise limit: 429 before the body and its photos are read.
        services.check_raise_limit(user, key)
        serializer = (s.MatterRaiseFormSerializer if is_form(request)
                      else s.MatterRaiseSerializer)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        replay = bool(key) and Matter.objects.filter(created_by=user, idempotency_key=key).exists()
        place = _place_for_raise(request, data.get("place"))
        if place is None and user.household_id:
            place = user.household.parent
        check_jurisdiction(request, place)
        if not replay:
            category = _category_for_raise(request, data["category"])
        else:
            category = None  # the first request's matter is returned as it is
        started = timezone.now()
        matter = services.raise_matter(
            by=user, title=data["title"], description=data["description"], category=category,
            place=place, reporter=_reporter_for_raise(request, data.get("reporter")),
            channel=data["channel"], level=data["level"],
            publish_consent=data["publish_consent"], contact_name=data["contact_name"],
            contact_phone=data["contact_phone"], emergency=data["emergency"],
            photos=data.get("photos", ()), idempotency_key=key,
        )
        replay = replay or matter.created_at < started
        return Response(matter_detail(request, matter),
                        status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


class MatterMixin:
    def get_matter(self, pk):
        matter = selectors.matter_detail(self.request.user, pk,
                                         within=jurisdiction_code(self.request))
        if matter is None:
            raise NotFound()
        return matter


class MatterDetail(MatterMixin, APIView):
    @extend_schema(tags=["matters"], responses={200: s.MatterDetailSerializer},
                   summary="One matter: timeline, whistles, results, and what the caller may do")
    def get(self, request, pk):
        return Response(matter_detail(request, self.get_matter(pk)))


class MatterSupport(MatterMixin, APIView):
    error_statuses = MATTER_ERRORS
    throttle_classes = [WriteThrottle, SupportThrottle]

    @extend_schema(tags=["matters"], request=None, responses={200: s.MatterDetailSerializer},
                   summary="Me too: support an open matter in one's own compound")
    def post(self, request, pk):
        matter = within_jurisdiction(Matter.objects.all(), request).filter(pk=pk).select_related(
            "place").first()
        if matter is None or not rules.may_raise_at(request.user, matter.place):
            raise NotFound()
        matter = services.support(matter, by=request.user)
        return Response(matter_detail(request, matter))


# --- actions on a matter: one endpoint per action of the transition table --------------------


def _category_of(matter, pk):
    category = Category.objects.filter(pk=pk, district_id=matter.district_id,
                                       is_active=True).first()
    if category is None:
        raise field_error("category", "bad_category", _("Choose a category of this district."))
    return category


def _departments(ids):
    departments = list(Organisation.objects.filter(pk__in=set(ids), kind=OrgKind.DEPARTMENT)
                       .select_related("place"))
    missing = sorted(set(ids) - {d.pk for d in departments})
    if missing:
        raise field_error("departments", "bad_department",
                          _("No department with the id %(id)s.") % {"id": missing[0]})
    return departments


def _merge_target(request, pk):
    target = visible_matters(request).filter(pk=pk).first()
    if target is None:
        raise field_error("into", "bad_target", _("No matter %(number)s that you can see.")
                          % {"number": pk})
    return target


def _resolve(request, m, d):
    """The reply check's warnings come back in ``reply_checks`` and stay on the event; they
    never refuse (an API client has no "publish anyway" box)."""
    check = registry.hook("matters.reply_warnings")  # declared by triage
    warnings = check(m, what_was_done=d["what_was_done"], basis=d["basis"],
                     standard=d["standard"], user=request.user) if check else []
    request.reply_checks = [w.as_dict() for w in warnings]
    return {**d, "checks": request.reply_checks}


# Turn an action's validated body into what the page's form cleans (ids into objects), for
# the one dispatch of actions (matters.actions).
PREPARE = {
    "triage": lambda r, m, d: {
        **d, "category": _category_of(m, d["category"]) if d.get("category") else None},
    "recategorise": lambda r, m, d: {**d, "category": _category_of(m, d["category"])},
    "whistle": lambda r, m, d: {**d, "departments": _departments(d["departments"])},
    "merge": lambda r, m, d: {**d, "into": _merge_target(r, d["into"])},
    "resolve": _resolve,
}
ALIAS_SUMMARIES = {"rate": "Rate the result (satisfied, basically or unsatisfied)",
                   "inspect": "Inspect the result: pass or fail"}


class MatterAction(MatterMixin, APIView):
    """Take one action on a matter: allowed now (403/409 if not), parse its body, call the
    service, return the matter as it now is."""

    transition = None
    error_statuses = MATTER_ERRORS

    def act(self, request, pk):
        matter = self.get_matter(pk)
        services.guard(matter, actions.guard_name(self.transition), request.user)
        form = s.FORM_SERIALIZERS.get(self.transition) if is_form(request) else None
        serializer = (form or s.ACTION_SERIALIZERS[self.transition])(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prepare = PREPARE.get(self.transition)
        if prepare is not None:
            data = prepare(request, matter, data)
        actions.perform(self.transition, matter, request.user, data)
        body = matter_detail(request, matter)
        if self.transition == "resolve":
            body["reply_checks"] = request.reply_checks
        return Response(body)


def action_view(name):
    """Return the view class of action ``name``, documented with its own request body."""
    summary = ALIAS_SUMMARIES.get(name) or TRANSITIONS[name].label
    body = s.ACTION_SERIALIZERS[name]
    attrs = {"transition": name, "__doc__": MatterAction.__doc__}
    if name == "resolve":
        attrs["parser_classes"] = MULTIPART
        body = {"application/json": body, "multipart/form-data": s.FORM_SERIALIZERS[name]}
    elif name == "close":
        body = None

    def post(self, request, pk):
        return self.act(request, pk)

    attrs["post"] = extend_schema(
        tags=["matter actions"], operation_id=f"matters_action_{name}", summary=summary,
        request=body, responses={200: s.ResolvedMatterSerializer if name == "resolve"
                                 else s.MatterDetailSerializer},
    )(post)
    return type("Matter%sAction" % name.title().replace("_", ""), (MatterAction,), attrs)


# --- whistles (吹哨报到) -------------------------------------------------------------------------


class WhistleList(generics.ListAPIView):
    serializer_class = s.WhistleSerializer

    @extend_schema(tags=["whistles"], parameters=[s.WhistleFilterSerializer],
                   summary="Whistles on matters the caller may see")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = filters(s.WhistleFilterSerializer, self.request)
        # The matter and its reporter: whether the answer is read masked (answer_as_seen).
        whistles = visible_whistles(self.request).select_related(
            "department", "matter__reporter__household")
        if data.get("status"):
            whistles = whistles.filter(status=data["status"])
        if data.get("mine"):
            whistles = whistles.filter(department_id__in=rules.department_ids(self.request.user))
        return whistles.order_by("answer_due_at", "report_due_at", "pk")


class WhistleAction(APIView):
    error_statuses = MATTER_ERRORS

    def get_whistle(self, pk):
        whistle = within_jurisdiction(
            Whistle.objects.filter(department_id__in=rules.department_ids(self.request.user)),
            self.request, "matter__place_code").filter(pk=pk).first()
        if whistle is None:
            raise NotFound()
        return whistle

    def respond(self, whistle):
        whistle = Whistle.objects.select_related("department").get(pk=whistle.pk)
        return Response(s.WhistleSerializer(whistle).data)


class WhistleReportIn(WhistleAction):
    @extend_schema(tags=["whistles"], request=s.NoteSerializer,
                   responses={200: s.WhistleSerializer}, summary="Report in (报到)")
    def post(self, request, pk):
        whistle = self.get_whistle(pk)
        serializer = s.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.WHISTLE_ACTIONS["report_in"].perform(whistle, request.user,
                                                     serializer.validated_data)
        return self.respond(whistle)


class WhistleAnswer(WhistleAction):
    @extend_schema(tags=["whistles"], request=s.AnswerSerializer,
                   responses={200: s.WhistleSerializer}, summary="Answer what was done")
    def post(self, request, pk):
        whistle = self.get_whistle(pk)
        serializer = s.AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.WHISTLE_ACTIONS["answer"].perform(whistle, request.user,
                                                  serializer.validated_data)
        return self.respond(whistle)


# --- photos ------------------------------------------------------------------------------------


class PhotoView(APIView):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(tags=["matters"], summary="A photo of a matter (JPEG, without EXIF)",
                   responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        photo = Photo.objects.filter(
            pk=pk, matter__in=visible_matters(request).values("pk")).first()
        if photo is None:
            raise NotFound()
        response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- notices -------------------------------------------------------------------------------------


class NoticeList(generics.ListAPIView):
    serializer_class = s.NoticeSerializer

    @extend_schema(tags=["notices"], parameters=[s.NoticeFilterSerializer],
                   summary="The caller's notices, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = filters(s.NoticeFilterSerializer, self.request)
        notices = visible_notices(self.request)
        if data.get("unread"):
            notices = notices.unread()
        return notices.order_by("-created_at", "-pk")


class NoticeRead(APIView):
    @extend_schema(tags=["notices"], request=None, responses={200: s.NoticeSerializer},
                   summary="Mark one notice read")
    def post(self, request, pk):
        notice = visible_notices(request).filter(pk=pk).first()
        if notice is None:
            raise NotFound()
        notice = notice_services.mark_read(notice, by=request.user)
        return Response(s.NoticeSerializer(notice).data)


class NoticeReadAll(APIView):
    @extend_schema(tags=["notices"], request=None, responses={200: s.ReadAllSerializer},
                   summary="Mark all notices read")
    def post(self, request):
        if api_key(request) is None:
            marked = notice_services.mark_all_read(by=request.user)
        else:  # only those within the key's district
            unread = list(visible_notices(request).unread())
            for notice in unread:
                notice_services.mark_read(notice, by=request.user)
            marked = len(unread)
        return Response({"marked": marked})

