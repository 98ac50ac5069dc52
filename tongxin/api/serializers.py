"""What the API reads and writes. Output serializers only present; input serializers only
parse. Whether something is allowed, and every change, is up to the services."""

import re

from django.core.validators import RegexValidator
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tongxin.matters.choices import (
    Channel,
    Kind,
    Level,
    RejectReason,
    Satisfaction,
    Status,
    WhistleStatus,
)
from tongxin.matters.notices import NoticeKind
from tongxin.matters.selectors import answer_as_seen, text_as_seen
from tongxin.matters.transitions import TRANSITIONS
from tongxin.people.choices import Role
from tongxin.people.rules import contact_for
from tongxin.places.choices import PlaceKind

MAX_ID = 2**63 - 1
NOTE_MAX = 2000
CODE_REGEX = r"^[0-9]{1,32}$"
ACTIONS = sorted([*TRANSITIONS, "rate", "inspect"])
# Matters are raised at these levels; a satisfied rating is one of these two.
RAISE_LEVELS = [(lv.value, lv.label) for lv in (Level.GRID, Level.COMPOUND, Level.COMMUNITY)]
POSITIVE_SATISFACTION = [(sat.value, sat.label)
                         for sat in (Satisfaction.SATISFIED, Satisfaction.BASICALLY)]


# What the document promises of a text, as a pattern: no NUL character (DRF refuses it),
# and, unless it may be blank, something besides whitespace (DRF trims it first).
TEXT_PATTERN = r"^[^\x00]*$"
FILLED_TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}


def in_json(field):
    """Whether the field's input is a JSON body (typed) rather than a query string or a
    multipart form (where every value is text)."""
    return not isinstance(getattr(field.root, "initial_data", None), QueryDict)


class TextField(serializers.CharField):
    """A string, as the document says: a JSON number is not text (DRF would take 12 for
    "12"); the pattern documents what DRF refuses (NUL, nothing but whitespace)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        filled = self.trim_whitespace and not self.allow_blank
        self.validators.append(RegexValidator(FILLED_TEXT_PATTERN if filled else TEXT_PATTERN))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CodeField(serializers.RegexField):
    """A place code: digits only, as text (a JSON number is not a code)."""

    def __init__(self, **kwargs):
        super().__init__(CODE_REGEX, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):
    """An integer, as the document says: in JSON a number (not "12"); in a query string
    or a form, digits only (not "12.0"), and "null" for none where it may be none."""

    def validate_empty_values(self, data):
        if self.allow_null and data == "null" and not in_json(self):
            data = None
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if isinstance(data, str) and (in_json(self) or not _INTEGER.match(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """A boolean, as the document says: in JSON true or false; in a query string or a
    form, "true" or "false" (or Python's True and False; not "yes", "on" or 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and not in_json(self) and data in _BOOLEANS:
            return _BOOLEANS[data]
        self.fail("invalid", input=data)


def id_field(**kwargs):
    return IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def note_field(max_length=NOTE_MAX, required=False, **kwargs):
    """A free text: optional (may be empty) unless ``required``."""
    if required:
        return TextField(max_length=max_length, **kwargs)
    return TextField(max_length=max_length, required=False, allow_blank=True, default="",
                     **kwargs)


class InputSerializer(serializers.Serializer):
    """Parameters of a query string or a form. One sent empty (``?status=``) is refused
    unless it may be blank, as the document says (a text needs a character, a choice is
    one of its values), instead of being taken as absent as DRF does."""

    def to_internal_value(self, data):
        if isinstance(data, QueryDict):
            blank = {name: [serializers.CharField.default_error_messages["blank"]]
                     for name, field in self.fields.items()
                     if data.get(name) == "" and not getattr(field, "allow_blank", False)}
            if blank:
                raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


# --- errors ---------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, language-independent error code.")
    message = serializers.CharField(help_text="What went wrong, in the caller's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Messages per request field (nested fields joined with dots).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- auth -----------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = TextField(max_length=150, help_text="User name or phone number.")
    password = TextField(max_length=256, trim_whitespace=False,
                                     style={"input_type": "password"})


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A new key at every sign-in; shown only now.")
    expires_at = serializers.DateTimeField(
        help_text="When the token dies at the latest; it dies sooner after 30 days unused, "
                  "when revoked, or with a new password, a lockout or deactivation.")
    person = PersonRefSerializer()


# --- places, organisations, categories ----------------------------------------------------


class PlaceRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PlaceKind.choices)


class PlaceSerializer(PlaceRefSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    parent = serializers.SerializerMethodField()
    depth = serializers.IntegerField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, place):
        """Return the parent's code (a child's code starts with it)."""
        return place.parent.code if place.parent_id else None


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    depth = serializers.IntegerField()
    district = serializers.CharField(source="district.code")


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- people -----------------------------------------------------------------------------------


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    place = PlaceRefSerializer()
    organisation = OrganisationRefSerializer(allow_null=True)


class PersonSerializer(serializers.Serializer):
    """A person; phone and ID number masked (138****0000) unless the caller's role needs them."""

    id = serializers.IntegerField()
    full_name = serializers.CharField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    contact_masked = serializers.SerializerMethodField()
    household = PlaceRefSerializer(allow_null=True)
    is_household_head = serializers.BooleanField()
    roles = RoleSerializer(many=True, source="roles.all")

    def _contact(self, person):
        cache = self.context.setdefault("contacts", {})
        if person.pk not in cache:
            cache[person.pk] = contact_for(self.context["request"].user, person)
        return cache[person.pk]

    def get_phone(self, person) -> str:
        return self._contact(person)["phone"]

    def get_id_number(self, person) -> str:
        return self._contact(person)["id_number"]

    def get_contact_masked(self, person) -> bool:
        return self._contact(person)["masked"]


class MeSerializer(PersonSerializer):
    staff = serializers.BooleanField()
    api_key = serializers.DictField(child=serializers.CharField(), allow_null=True,
                                    help_text="The key the request is signed with: name, "
                                              "district (code).")


# --- matters ----------------------------------------------------------------------------------


class MatterTextField(serializers.CharField):
    """A matter's title or description as the caller may read it: phone and ID numbers
    masked unless they see the raiser's contacts whole (matters.selectors.text_as_seen)."""

    def get_attribute(self, instance):
        return getattr(text_as_seen(instance, self.context["request"].user), self.field_name)


class MatterListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="The number residents quote, e.g. 2026-000123.")
    title = MatterTextField(help_text="Phone and ID numbers in it are masked unless the "
                                      "caller sees the raiser's contacts whole.")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    kind = serializers.ChoiceField(choices=Kind.choices, allow_blank=True)
    emergency = serializers.BooleanField()
    golden_idea = serializers.BooleanField()
    owner_level = serializers.ChoiceField(choices=Level.choices)
    category = CategoryRefSerializer()
    place = PlaceRefSerializer()
    owner = PlaceRefSerializer(source="owner_place")
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    supporter_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)
    masked = serializers.BooleanField()
    is_self = serializers.BooleanField()
    walk_in = serializers.BooleanField()


class WhistleAnswerField(serializers.CharField):
    """A department's answer as the caller may read it (matters.selectors.answer_as_seen);
    whole in the answer's own reply to the department that wrote it."""

    def get_attribute(self, instance):
        request = self.context.get("request")
        return instance.answer if request is None else answer_as_seen(instance, request.user)


class WhistleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    matter = serializers.IntegerField(source="matter_id")
    department = OrganisationRefSerializer()
    status = serializers.ChoiceField(choices=WhistleStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    report_due_at = serializers.DateTimeField()
    answer_due_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = WhistleAnswerField(allow_blank=True, help_text="Phone and ID numbers in it are "
                                "masked unless the caller sees the raiser's contacts whole.")
    reported_late = serializers.BooleanField()
    answered_late = serializers.BooleanField()


class InspectionSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class ResolutionSerializer(serializers.Serializer):
    """A round of the result (matters.selectors.results_as_seen): phone and ID numbers in
    its text (and its inspections' notes) masked unless the caller sees the raiser's
    contacts whole, as the matter's own text."""

    round = serializers.IntegerField()
    what_was_done = serializers.CharField()
    basis = serializers.CharField()
    standard = serializers.CharField()
    created_at = serializers.DateTimeField()
    inspections = InspectionSerializer(many=True)


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="event.at")
    action = serializers.CharField()
    label = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True, help_text="What was typed (a result, a "
                                 "comment, a reason); phone and ID numbers in it and in the "
                                 "summary are masked unless the caller sees the raiser's "
                                 "contacts whole.")
    internal = serializers.BooleanField()
    late = serializers.BooleanField()
    from_status = serializers.ChoiceField(source="event.from_status", choices=Status.choices,
                                          allow_blank=True)
    to_status = serializers.ChoiceField(source="event.to_status", choices=Status.choices,
                                        allow_blank=True)
    actor = serializers.CharField(source="api_actor", allow_null=True,
                                  help_text="Who acted (shown to staff of the matter only).")


class PhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField(source="api_url", help_text="GET it with the same credentials.")


class MatterDetailSerializer(MatterListSerializer):
    description = MatterTextField(help_text="Phone and ID numbers in it are masked unless the "
                                            "caller sees the raiser's contacts whole.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    raised_level = serializers.ChoiceField(choices=Level.choices)
    publish_consent = serializers.BooleanField()
    district = PlaceRefSerializer()
    reporter = ReporterSerializer(source="api_reporter", allow_null=True)
    reject_reason = serializers.ChoiceField(choices=RejectReason.choices, allow_blank=True)
    deliberation_on = serializers.DateField(allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True)
    rework_count = serializers.IntegerField()
    reopen_count = serializers.IntegerField()
    escalation_count = serializers.IntegerField()
    heard_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    staff_view = serializers.BooleanField(
        source="api_staff_view",
        help_text="Whether the caller sees the matter as its staff (internal events included).")
    allowed_actions = serializers.ListField(
        source="api_allowed_actions",
        child=serializers.ChoiceField(choices=[(a, a) for a in ACTIONS]),
        help_text="What the caller may do now: POST /matters/{id}/actions/{action}/.")
    photos = PhotoSerializer(many=True, source="api_photos")
    whistles = WhistleSerializer(many=True, source="api_whistles")
    resolutions = ResolutionSerializer(many=True, source="api_resolutions")
    timeline = TimelineEventSerializer(many=True, source="api_timeline")


class ReplyCheckSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="low_relevance, reply_empty, basis_missing, "
                                           "basis_no_rule, standard_missing or late")
    severity = serializers.CharField()
    message = serializers.CharField()
    score = serializers.FloatField(allow_null=True)


class ResolvedMatterSerializer(MatterDetailSerializer):
    reply_checks = ReplyCheckSerializer(
        many=True, help_text="The reply check's warnings about this result: published anyway, "
                             "and kept on the timeline event for the inspectors.")


class MatterFilterSerializer(InputSerializer):
    """Query parameters of GET /matters/."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    owner_level = serializers.ChoiceField(choices=Level.choices, required=False)
    category = id_field(required=False,
                        help_text="A category id: matters in it or in its sub-categories.")
    place = CodeField(required=False,
                                   help_text="A place code: matters at or under that place.")
    overdue = BooleanField(required=False, help_text="Only overdue matters.")
    mine = BooleanField(required=False,
                                    help_text="Only matters the caller raised or supported.")
    q = TextField(required=False, max_length=64, help_text="Title contains.")


class MatterRaiseSerializer(InputSerializer):
    """Raise a matter (说事). Staff may record it for a resident, naming channel and level."""

    title = TextField(max_length=100)
    description = TextField(max_length=5000)
    category = id_field(help_text="A category id of the place's district (GET /categories/).")
    place = CodeField(
        required=False,
        help_text="Code of a community, compound or building; default: the API key's "
                  "default place, else the caller's own building.")
    publish_consent = BooleanField(required=False, default=False)
    emergency = BooleanField(required=False, default=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      default=Channel.ONLINE, help_text="Staff only.")
    level = serializers.ChoiceField(
        choices=RAISE_LEVELS, required=False, default=Level.GRID, help_text="Staff only.")
    reporter = id_field(required=False, allow_null=True,
                        help_text="Staff only: the id of the resident it is recorded for.")
    contact_name = TextField(max_length=64, required=False, allow_blank=True,
                                         default="", help_text="Staff only: a walk-in's name.")
    contact_phone = TextField(max_length=20, required=False, allow_blank=True,
                                          default="", help_text="Staff only: a walk-in's phone.")


class MatterRaiseFormSerializer(MatterRaiseSerializer):
    """Raise a matter with photos (multipart/form-data: JSON cannot carry a file)."""

    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=9,
                                   help_text="Photos (JPEG or PNG).")


# --- actions: one body per action -----------------------------------------------------------


class TriageSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = id_field(required=False, help_text="Correct the category (same district).")
    emergency = BooleanField(required=False, allow_null=True, default=None)
    golden_reason = TextField(max_length=200, required=False, allow_blank=True,
                                          default="", help_text="Flags a golden idea (金点子).")
    note = note_field()


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = note_field()


class EscalateSerializer(serializers.Serializer):
    reason = note_field(required=True)
    to_level = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True,
                                       default=None, help_text="Default: the next level up.")


class ParkSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None,
                                 help_text="Default: the district's next deliberation day.")
    note = note_field()


class NoteSerializer(serializers.Serializer):
    note = note_field()


class RequiredNoteSerializer(serializers.Serializer):
    note = note_field(required=True)


class CategoryChoiceSerializer(serializers.Serializer):
    category = id_field()


class GoldenSerializer(serializers.Serializer):
    reason = TextField(max_length=200)


class WhistleRequestSerializer(serializers.Serializer):
    departments = serializers.ListField(child=id_field(), min_length=1, max_length=20,
                                        help_text="Organisation ids of departments.")
    note = note_field()


class ResolveSerializer(InputSerializer):
    what_was_done = TextField(max_length=5000)
    basis = TextField(max_length=2000)
    standard = TextField(max_length=2000)


class ResolveFormSerializer(ResolveSerializer):
    """The result with photos (multipart/form-data: JSON cannot carry a file)."""

    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=9,
                                   help_text="Photos (JPEG or PNG).")


class InspectSerializer(serializers.Serializer):
    passed = BooleanField()
    note = note_field(help_text="Required when the result fails.")


class RateSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = note_field(help_text="Required when unsatisfied.")


class RateOkSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(
        choices=POSITIVE_SATISFACTION, required=False, default=Satisfaction.SATISFIED)
    comment = note_field()


class CommentSerializer(serializers.Serializer):
    comment = note_field(required=True)


class ReasonSerializer(serializers.Serializer):
    reason = note_field(required=True)


class MergeSerializer(serializers.Serializer):
    into = id_field(help_text="The id of the matter to keep.")


class EmptySerializer(serializers.Serializer):
    pass


ACTION_SERIALIZERS = {
    "triage": TriageSerializer,
    "reject": RejectSerializer,
    "escalate": EscalateSerializer,
    "park": ParkSerializer,
    "resume": NoteSerializer,
    "recategorise": CategoryChoiceSerializer,
    "flag_golden": GoldenSerializer,
    "whistle": WhistleRequestSerializer,
    "resolve": ResolveSerializer,
    "inspect": InspectSerializer,
    "inspect_pass": NoteSerializer,
    "inspect_fail": RequiredNoteSerializer,
    "rate": RateSerializer,
    "rate_ok": RateOkSerializer,
    "rate_unsatisfied": CommentSerializer,
    "close": EmptySerializer,
    "close_unsolved": ReasonSerializer,
    "reopen": ReasonSerializer,
    "merge": MergeSerializer,
}


# The body of an action sent as multipart/form-data, where it differs from the JSON one.
FORM_SERIALIZERS = {"resolve": ResolveFormSerializer}


# --- whistles and notices -------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    answer = TextField(max_length=5000)


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    text = serializers.CharField(help_text="The notice in the caller's language.")
    matter = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_matter(self, notice):
        """The matter the notice is about, if it is about one."""
        return int(notice.subject_id) if notice.subject_type == "matters.matter" else None


class NoticeFilterSerializer(InputSerializer):
    unread = BooleanField(required=False, help_text="Only unread notices.")


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notices were unread.")


class PlaceFilterSerializer(InputSerializer):
    within = CodeField(required=False,
                                    help_text="Places at or under this code.")
    kind = serializers.ChoiceField(choices=PlaceKind.choices, required=False)
    q = TextField(required=False, max_length=64, help_text="Name contains.")


class PersonFilterSerializer(InputSerializer):
    q = TextField(required=False, max_length=64,
                  help_text="Name contains, or phone number where the caller sees it whole "
                            "(never a masked one).")
    place = CodeField(required=False, help_text="People living at or under this place code.")


class CategoryFilterSerializer(InputSerializer):
    parent = id_field(required=False, help_text="Only the children of this category.")
    depth = IntegerField(required=False, min_value=0, max_value=10)


class WhistleFilterSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=WhistleStatus.choices, required=False)
    mine = BooleanField(required=False,
                                    help_text="Only whistles to the caller's departments.")
