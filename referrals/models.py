"""Young people, referrals and the casework around them: actions, missing episodes, notes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Least
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from agencies.dates import ANY_DATE, BIRTH_DATE, DUE_DATE, check_dates
from agencies.models import Agency, Area, Membership, Role
from agencies.rules import coordinates_area_of
from agencies.selectors import membership_in

from .validators import validate_nhs_number
from .working_time import add_working_days, add_working_hours, working_days_after


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """The ONS 2021 census categories, grouped as the census asks them."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = (
        "black_other",
        "Black, Black British, Caribbean or African: any other Black background",
    )
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        "Mixed or multiple: White and Black African",
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        "Mixed or multiple: White and Black Caribbean",
    )
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other Mixed or multiple background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    NOT_KNOWN = "not_known", "Not known"


def _list_field(label: str) -> ArrayField:
    """A list of short texts (aliases, languages, phone numbers, online handles)."""
    return ArrayField(
        models.CharField(max_length=200),
        verbose_name=label,
        default=list,
        blank=True,
        db_default=models.Value([], ArrayField(models.CharField(max_length=200))),
    )


class YoungPerson(models.Model):
    """Who a concern is about. Corrections are kept: every change is a history snapshot
    (audit.YoungPersonHistory) and an audit record with the reason for it."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="young_people")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    aliases = _list_field("Other names they are known by")
    date_of_birth = models.DateField(null=True, blank=True, validators=[BIRTH_DATE])
    estimated_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="When the date of birth is not known"
    )
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True, db_default="")
    gender = models.CharField(
        max_length=100, blank=True, db_default="", help_text="In their own words"
    )
    ethnicity = models.CharField(
        max_length=40, choices=Ethnicity.choices, blank=True, db_default=""
    )
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        db_default="",
        validators=[validate_nhs_number],
        help_text="The identifier health and social care share; ten digits, checked",
    )
    address = models.TextField(blank=True, db_default="")
    postcode = models.CharField(max_length=10, blank=True, db_default="")
    school = models.CharField("School or college", max_length=200, blank=True, db_default="")
    looked_after = models.BooleanField("Looked-after child", null=True, blank=True)
    placement = models.CharField(max_length=200, blank=True, db_default="")
    send = models.CharField(
        "Special educational needs or disability", max_length=500, blank=True, db_default=""
    )
    languages = _list_field("Languages")
    phone_numbers = _list_field("Known phone numbers")
    online_handles = _list_field("Known online handles")
    # Set when a coordinator finds this record duplicates another: the referral is re-pointed.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    identity_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a coordinator confirmed this is a new person"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "young people"
        indexes = [
            models.Index(fields=["area", "nhs_number"], name="young_person_nhs"),
            models.Index(fields=["area", "date_of_birth"], name="young_person_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return self.estimated_age
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ReferralState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_TRIAGE = "in_triage", "In triage"
    ACTIVE = "active", "Active plan"
    TRANSFER_REQUESTED = "transfer_requested", "Awaiting transfer"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    TRANSFERRED = "transferred", "Transferred"
    MERGED = "merged", "Merged"


# States in the coordinator's triage queue, and those where the partnership works the case.
QUEUE_STATES = (ReferralState.SUBMITTED, ReferralState.IN_TRIAGE)
OPEN_STATES = (*QUEUE_STATES, ReferralState.ACTIVE, ReferralState.TRANSFER_REQUESTED)
# The code of a ValidationError refusing a step the referral's state forbids (casework on a
# closed one): the API answers it 409, a page shows its message as any other refusal.
STATE_CONFLICT = "state_conflict"


class Decision(models.TextChoices):
    """What the coordinator decides at triage (Working Together: within one working day)."""

    NO_FURTHER_ACTION = "no_further_action", "No further action"
    ADVICE_AND_SIGNPOSTING = "advice_and_signposting", "Advice and signposting"
    STATUTORY_REFERRAL = "statutory_referral", "Statutory referral to children's social care"
    MULTI_AGENCY_PLAN = "multi_agency_plan", "Multi-agency plan"


class StatutoryType(models.TextChoices):
    SECTION_17 = "s17", "Section 17 assessment (child in need)"
    SECTION_47 = "s47", "Section 47 enquiry (significant harm)"


class ClosureOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    ADVICE_AND_SIGNPOSTING = "advice_and_signposting", "Advice and signposting given"
    RISK_REDUCED = "risk_reduced", "Risk reduced"
    MOVED_AREA = "moved_area", "Moved area"
    TURNED_18 = "turned_18", "Turned 18"
    TRANSFERRED_TO_STATUTORY = "transferred_to_statutory", "Transferred to statutory service"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class RiskLevel(models.TextChoices):
    """The usual screening-tool bands; the tool proposes, the coordinator decides."""

    NOT_AT_RISK = "not_at_risk", "Not at risk"
    LOW = "low", "Low: at risk, being targeted"
    MEDIUM = "medium", "Medium: opportunistic exchange"
    HIGH = "high", "High: being exploited, coercion or control"


class ExploitationModel(models.TextChoices):
    INAPPROPRIATE_RELATIONSHIP = "inappropriate_relationship", "Inappropriate relationship"
    BOYFRIEND = "boyfriend", '"Boyfriend" model'
    PEER_ON_PEER = "peer_on_peer", "Peer on peer"
    GANG_OR_GROUP = "gang_or_group", "Gang or group"
    ORGANISED_NETWORK = "organised_network", "Organised network or trafficking"
    ONLINE_GROOMING = "online_grooming", "Online grooming"
    PHONE_OR_BLUETOOTH = "phone_or_bluetooth", "Targeting by phone or Bluetooth"


class ExploitationType(models.TextChoices):
    """What the young person is thought to be exploited for: the product began with sexual
    exploitation, and partnerships now count wider exploitation beside it."""

    SEXUAL = "sexual", "Sexual exploitation"
    CRIMINAL = "criminal", "Criminal exploitation (including county lines)"
    SEXUAL_AND_CRIMINAL = "sexual_and_criminal", "Sexual and criminal exploitation"
    OTHER = "other", "Other exploitation (labour, trafficking)"


class LawfulBasis(models.TextChoices):
    """Sharing to safeguard a child rarely rests on consent (UK GDPR, DPA 2018)."""

    SAFEGUARDING_PUBLIC_TASK = (
        "safeguarding_public_task",
        "Public task (UK GDPR Art 6(1)(e)); safeguarding of children and individuals at risk "
        "(Art 9(2)(g), DPA 2018 Sch 1 para 18)",
    )
    LEGAL_OBLIGATION = (
        "legal_obligation",
        "Legal obligation (Art 6(1)(c)); safeguarding of children (DPA 2018 Sch 1 para 18)",
    )
    VITAL_INTERESTS = "vital_interests", "Vital interests (Art 6(1)(d) and Art 9(2)(c))"
    CONSENT = "consent", "Consent (Art 6(1)(a) and Art 9(2)(a))"


class Consent(models.TextChoices):
    NOT_SOUGHT = "not_sought", "Not sought"
    GIVEN = "given", "Sought and given"
    REFUSED = "refused", "Sought and refused"


class ScreeningCategory(models.TextChoices):
    VULNERABILITY = "vulnerability", "Vulnerabilities"
    MODERATE = "moderate", "Moderate indicators (recent months)"
    SIGNIFICANT = "significant", "Significant indicators"


def version_number(version: str) -> str:
    """A screening tool's version as people say it ("2"): the count its slug ends with."""
    return version.rsplit("-", 1)[-1]


class ScreeningTool(models.Model):
    """One version of a screening tool: national (no area, read-only) or an area's own.

    A version never changes once published: a referral keeps the version (and so the indicator
    wording) it was screened with, and a change is a new version of the same `series`. Which
    tool screens a concern follows its exploitation type (`exploitation_types`), else the
    area's setting (Area.screening_tool_version); see referrals.catalogues.
    `bands` is a list of [lowest score, risk level], ascending: the score proposes a level.
    """

    version = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    bands = models.JSONField()
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The area whose own tool this is; none for a national tool",
    )
    series = models.SlugField(
        max_length=40, default="", db_default="", help_text="What the versions of one tool share"
    )
    exploitation_types = ArrayField(
        models.CharField(max_length=30, choices=ExploitationType.choices),
        default=list,
        blank=True,
        db_default=models.Value([], ArrayField(models.CharField(max_length=30))),
        help_text="The kinds of exploitation whose concerns it screens",
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    not_used_by = models.ManyToManyField(
        Area, blank=True, related_name="+", help_text="Areas that chose not to use this tool"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def number(self) -> str:
        return version_number(self.version)

    def proposed_risk(self, score: int) -> str:
        level = RiskLevel.NOT_AT_RISK.value
        for lowest, band in self.bands:
            if score >= lowest:
                level = band
        return level


class ScreeningIndicator(models.Model):
    tool = models.ForeignKey(ScreeningTool, on_delete=models.PROTECT, related_name="indicators")
    code = models.SlugField(max_length=60)
    category = models.CharField(max_length=20, choices=ScreeningCategory.choices)
    label = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["tool", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "code"], name="one_indicator_code_per_tool")
        ]

    def __str__(self) -> str:
        return self.label


def _is_raiser(referral: models.Model, user: Any) -> bool:
    return bool(getattr(referral, "raised_by_id", None) == user.pk)


def _coordinates(referral: models.Model, user: Any) -> bool:
    return bool(coordinates_area_of(user, referral))


def _coordinates_receiving_area(referral: models.Model, user: Any) -> bool:
    receiving = getattr(referral, "transfer_to_area_id", None)
    return (
        receiving is not None
        and membership_in(user=user, area_id=receiving, roles=[Role.COORDINATOR]) is not None
    )


def _required(inputs: dict[str, str], name: str, message: str) -> str:
    value = (inputs.get(name) or "").strip()
    if not value:
        raise ValidationError({name: message})
    return value


def _required_reason(reason: str) -> str:
    return _required({"reason": reason}, "reason", "Enter the reason")


def _choice(value: str, choices: type[models.TextChoices], name: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({name: message})
    return value


def _date(value: str, name: str, *, default: date | None = None, future: bool = True) -> date:
    """A date typed as YYYY-MM-DD; `future` requires today or later."""
    if not (value or "").strip():
        if default is None:
            raise ValidationError({name: "Enter a date"})
        return default
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError({name: "Enter a real date, like 2026-12-31"}) from None
    if future and parsed < timezone.localdate():
        raise ValidationError({name: "The date must be today or in the future"})
    check_dates(**{name: (parsed, DUE_DATE)})  # the step inputs that take dates are due dates
    return parsed


def check_decision(
    *, decision: str, statutory_type: str = "", external_reference: str = "", keep_active: str = ""
) -> None:
    """The triage decision taken as a whole; raises ValidationError naming each field at fault.

    The statutory route (section 17 or section 47), children's social care's reference and
    whether the partnership keeps the case open belong to a statutory referral only. A plan
    alongside a statutory route is recorded as a statutory referral kept open, never as a
    "multi-agency plan" with a route beside it: statutory procedures lead, and the
    partnership's plan coordinates around them (MACE does not replace them).
    """
    _choice(decision, Decision, "decision", "Choose a decision")
    errors: dict[str, str] = {}
    if decision == Decision.STATUTORY_REFERRAL:
        if statutory_type not in StatutoryType.values:
            errors["statutory_type"] = "Choose section 17 or section 47"
        if not (external_reference or "").strip():
            errors["external_reference"] = "Enter children's social care's reference"
        if keep_active not in ("", "yes", "no"):
            errors["keep_active"] = "Say whether the referral stays open"
    else:
        route = (
            f"A decision of {Decision(decision).label.lower()} takes no statutory route: for a "
            "plan alongside a section 17 assessment or section 47 enquiry, choose a statutory "
            "referral and keep the referral open"
        )
        if statutory_type:
            errors["statutory_type"] = route
        if (external_reference or "").strip():
            errors["external_reference"] = route
        if keep_active:
            errors["keep_active"] = (
                "Only a statutory referral asks whether the referral stays open: a multi-agency "
                "plan always does, and the other decisions close it"
            )
    if errors:
        raise ValidationError(errors)


def _step(label: str, *inputs: str, takes_actor: bool = False) -> dict[str, Any]:
    """A transition's `custom`: its label, the inputs it takes (see referrals.inputs), and
    whether the method is also told who acts."""
    return {"label": label, "inputs": inputs, "takes_actor": takes_actor}


# Steps the partnership takes while the case is open, without moving it to another state.
_WORKING = [ReferralState.SUBMITTED, ReferralState.IN_TRIAGE, ReferralState.ACTIVE]


class Referral(ConcurrentTransitionMixin, models.Model):
    """A concern about a young person, raised by a practitioner for one area.

    The workflow is declared here, once, as django-fsm transitions. Each carries who may take
    it (`permission`) and, in `custom`, its label and the inputs it needs: the API, the pages
    and the state diagram in docs/ are all built from these declarations. A transition method
    checks its inputs and sets this row's fields; rows elsewhere (an assignment, a request, the
    receiving area's referral) are written by referrals.workflow in the same transaction.
    """

    reference = models.CharField(max_length=20, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="referrals")
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="referrals"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_raised"
    )
    raised_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_raised"
    )
    state = FSMField(default=ReferralState.DRAFT, choices=ReferralState.choices, protected=True)

    # The concern as raised. db_default on every column: rows loaded in bulk (the bench) and
    # drafts saved page by page start empty rather than failing.
    narrative = models.TextField("What was seen or disclosed", blank=True, db_default="")
    concern_date = models.DateField(
        "When it was seen or disclosed", null=True, blank=True, validators=[ANY_DATE]
    )
    exploitation_type = models.CharField(
        max_length=30, choices=ExploitationType.choices, blank=True, default="", db_default=""
    )
    exploitation_models = ArrayField(
        models.CharField(max_length=40, choices=ExploitationModel.choices),
        default=list,
        blank=True,
        db_default=models.Value([], ArrayField(models.CharField(max_length=40))),
    )
    places_mentioned = models.TextField(blank=True, default="", db_default="")
    people_mentioned = models.TextField(blank=True, default="", db_default="")
    vehicles_mentioned = models.TextField(blank=True, default="", db_default="")
    immediate_danger = models.BooleanField(null=True, blank=True)
    lawful_basis = models.CharField(
        max_length=40, choices=LawfulBasis.choices, blank=True, default="", db_default=""
    )
    consent = models.CharField(
        max_length=20, choices=Consent.choices, blank=True, default="", db_default=""
    )
    consent_details = models.TextField(blank=True, default="", db_default="")
    contact_phone = models.CharField(max_length=40, blank=True, default="", db_default="")
    contact_email = models.EmailField(blank=True, default="", db_default="")
    screening_tool = models.ForeignKey(
        ScreeningTool, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    screening_indicators = models.ManyToManyField(ScreeningIndicator, blank=True, related_name="+")

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    screening_score = models.PositiveSmallIntegerField(null=True, blank=True)
    proposed_risk = models.CharField(
        max_length=20, choices=RiskLevel.choices, blank=True, default="", db_default=""
    )

    # Triage.
    triage_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When a triage decision is due, in working time"
    )
    rag = models.CharField(
        max_length=10, choices=Rag.choices, blank=True, default="", db_default=""
    )
    rag_due_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(
        max_length=40, choices=Decision.choices, blank=True, default="", db_default=""
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    statutory_type = models.CharField(
        max_length=10, choices=StatutoryType.choices, blank=True, default="", db_default=""
    )
    external_reference = models.CharField(max_length=60, blank=True, default="", db_default="")

    # The plan.
    risk_level = models.CharField(
        max_length=20, choices=RiskLevel.choices, blank=True, default="", db_default=""
    )
    risk_assessed_at = models.DateTimeField(null=True, blank=True)
    risk_reassessment_due_on = models.DateField(null=True, blank=True, validators=[DUE_DATE])
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    next_review_due_on = models.DateField(null=True, blank=True, validators=[DUE_DATE])

    # Leaving.
    outcome = models.CharField(
        max_length=40, choices=ClosureOutcome.choices, blank=True, default="", db_default=""
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    transfer_to_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_transfers"
    )
    transferred_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transferred_to"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )

    class Meta:
        indexes = [
            models.Index(fields=["area", "state", "-created_at"]),
            # Lists are newest first; walking this index lets a LIMIT stop early.
            models.Index(fields=["-created_at", "-id"], name="referral_newest_first"),
            # The triage queue walks this in order (see referrals.selectors.triage_queue).
            models.Index(
                "area",
                models.Case(models.When(rag=Rag.RED, then=0), default=1),
                Least("rag_due_at", "triage_due_at"),
                "id",
                name="referral_triage_queue",
                condition=models.Q(state__in=QUEUE_STATES),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def current_assignments(self) -> models.QuerySet[ReferralAssignment]:
        return self.assignments.filter(ended_at__isnull=True).select_related(
            "agency", "lead_professional"
        )

    @property
    def due_at(self) -> datetime | None:
        """The nearest triage deadline: the RAG clock when rated, else the statutory day."""
        times = [t for t in (self.rag_due_at, self.triage_due_at) if t is not None]
        return min(times) if times else None

    def _rate(self, rag: str, since: datetime) -> None:
        hours = {
            Rag.RED: self.area.rag_red_working_hours,
            Rag.AMBER: self.area.rag_amber_working_hours,
            Rag.GREEN: self.area.rag_green_working_hours,
        }[Rag(rag)]
        self.rag, self.rag_due_at = rag, add_working_hours(since, hours)

    def _check_serving_agency(self, agency: str) -> None:
        if not Agency.objects.filter(pk=_int(agency), is_active=True, areas=self.area_id).exists():
            raise ValidationError({"agency": "Choose an agency that serves this area"})

    def _plan_dates(self, today: date) -> None:
        self.next_review_due_on = today + timedelta(weeks=self.area.review_interval_weeks)
        self.risk_reassessment_due_on = today + relativedelta(
            months=self.area.risk_reassessment_months
        )

    @transition(
        field=state,
        source=ReferralState.DRAFT,
        target=ReferralState.SUBMITTED,
        permission=_is_raiser,
        custom=_step("Submit the concern"),
    )
    def submit(self) -> None:
        """Send the concern to the area's coordinators; the triage clock starts.

        Immediate danger rates it Red at once. The screening score is worked out by the
        service (it reads the indicators chosen) before this runs."""
        missing = {
            name: message
            for name, message in REQUIRED_TO_SUBMIT.items()
            if getattr(self, name) in ("", None)
        }
        if self.young_person.date_of_birth is None and self.young_person.estimated_age is None:
            missing["date_of_birth"] = (
                "Enter the young person's date of birth, or their estimated age"
            )
        if missing:
            raise ValidationError(missing)
        tool = self.screening_tool or ScreeningTool.objects.get(
            version=self.area.screening_tool_version
        )
        self.screening_tool = tool
        self.screening_score = sum(i.weight for i in self.screening_indicators.filter(tool=tool))
        self.proposed_risk = tool.proposed_risk(self.screening_score)
        self.submitted_at = timezone.now()
        self.triage_due_at = add_working_days(self.submitted_at, self.area.triage_working_days)
        if self.immediate_danger:
            self._rate(Rag.RED, self.submitted_at)

    @transition(
        field=state,
        source=[ReferralState.DRAFT, ReferralState.SUBMITTED],
        target=ReferralState.WITHDRAWN,
        permission=_is_raiser,
        custom=_step("Withdraw the concern", "reason"),
    )
    def withdraw(self, *, reason: str = "") -> None:
        """The referrer takes the concern back before anyone has decided on it."""
        _required_reason(reason)

    @transition(
        field=state,
        source=ReferralState.SUBMITTED,
        target=ReferralState.IN_TRIAGE,
        permission=_coordinates,
        custom=_step("Start triage", takes_actor=True),
    )
    def start_triage(self, *, actor: Any = None) -> None:
        """A coordinator takes the concern; the queue shows who has it."""
        self.triaged_by = actor

    @transition(
        field=state,
        source=_WORKING,
        target=None,
        permission=_coordinates,
        custom=_step("Set the RAG rating", "rag", "reason"),
    )
    def set_rag(self, *, rag: str = "", reason: str = "") -> None:
        """Rate urgency; the RAG clock runs from now in working hours. A change needs a reason."""
        _choice(rag, Rag, "rag", "Choose a RAG rating")
        _required_reason(reason)
        if rag == self.rag:
            raise ValidationError({"rag": f"The referral is already rated {Rag(rag).label}"})
        self._rate(rag, timezone.now())

    @transition(
        field=state,
        source=ReferralState.IN_TRIAGE,
        target=RETURN_VALUE(ReferralState.ACTIVE, ReferralState.CLOSED),
        permission=_coordinates,
        custom=_step(
            "Record the decision",
            "decision",
            "statutory_type",
            "external_reference",
            "keep_active",
            "reason",
        ),
    )
    def decide(
        self,
        *,
        decision: str = "",
        statutory_type: str = "",
        external_reference: str = "",
        keep_active: str = "",
        reason: str = "",
    ) -> str:
        check_decision(
            decision=decision,
            statutory_type=statutory_type,
            external_reference=external_reference,
            keep_active=keep_active,
        )
        _required_reason(reason)
        self.decision, self.decided_at = decision, timezone.now()
        statutory = decision == Decision.STATUTORY_REFERRAL
        self.statutory_type = statutory_type if statutory else ""
        self.external_reference = external_reference.strip() if statutory else ""
        if decision == Decision.MULTI_AGENCY_PLAN or (statutory and keep_active == "yes"):
            self._plan_dates(timezone.localdate())
            return ReferralState.ACTIVE
        self.closed_at = self.decided_at
        self.outcome = ClosureOutcome.TRANSFERRED_TO_STATUTORY if statutory else decision
        return ReferralState.CLOSED

    @transition(
        field=state,
        source=_WORKING,
        target=None,
        permission=_coordinates,
        custom=_step("Assign a lead professional", "agency", "lead_professional"),
    )
    def assign_lead(self, *, agency: str = "", lead_professional: str = "") -> None:
        """Name an agency, and its lead professional, on the case (one per agency)."""
        self._check_serving_agency(agency)
        if (
            lead_professional
            and not _lead_professionals(self, agency)
            .filter(user_id=_int(lead_professional))
            .exists()
        ):
            raise ValidationError(
                {"lead_professional": "Choose a lead professional of that agency"}
            )

    @transition(
        field=state,
        source=[ReferralState.IN_TRIAGE, ReferralState.ACTIVE],
        target=None,
        permission=_coordinates,
        custom=_step("Request information from an agency", "agency", "question", "due_on"),
    )
    def request_information(
        self, *, agency: str = "", question: str = "", due_on: str = ""
    ) -> None:
        self._check_serving_agency(agency)
        _required({"question": question}, "question", "Enter what information you need")
        _date(due_on, "due_on")

    @transition(
        field=state,
        source=ReferralState.ACTIVE,
        target=None,
        permission=_coordinates,
        custom=_step("Record a review", "summary", "next_review_on"),
    )
    def review(self, *, summary: str = "", next_review_on: str = "") -> None:
        """A multi-agency review (at least every 12 weeks by default)."""
        _required({"summary": summary}, "summary", "Enter what the review found")
        self.last_reviewed_at = timezone.now()
        default = timezone.localdate() + timedelta(weeks=self.area.review_interval_weeks)
        self.next_review_due_on = _date(next_review_on, "next_review_on", default=default)

    @transition(
        field=state,
        source=[ReferralState.IN_TRIAGE, ReferralState.ACTIVE],
        target=None,
        permission=_coordinates,
        custom=_step("Reassess the risk", "risk_level", "reason"),
    )
    def reassess_risk(self, *, risk_level: str = "", reason: str = "") -> None:
        """Set the risk level (the screening tool only proposes one); due every 3 months."""
        _choice(risk_level, RiskLevel, "risk_level", "Choose a risk level")
        _required_reason(reason)
        self.risk_level, self.risk_assessed_at = risk_level, timezone.now()
        self.risk_reassessment_due_on = timezone.localdate() + relativedelta(
            months=self.area.risk_reassessment_months
        )

    @transition(
        field=state,
        source=ReferralState.ACTIVE,
        target=ReferralState.CLOSED,
        permission=_coordinates,
        custom=_step("Close the referral", "outcome", "reason"),
    )
    def close(self, *, outcome: str = "", reason: str = "") -> None:
        _choice(outcome, ClosureOutcome, "outcome", "Choose the outcome")
        _required_reason(reason)
        self.outcome, self.closed_at = outcome, timezone.now()

    @transition(
        field=state,
        source=ReferralState.CLOSED,
        target=ReferralState.IN_TRIAGE,
        permission=_coordinates,
        custom=_step("Reopen the referral", "reason"),
    )
    def reopen(self, *, reason: str = "") -> None:
        """New information: back to triage, keeping everything recorded so far."""
        _required_reason(reason)
        self.outcome, self.closed_at = "", None

    @transition(
        field=state,
        source=[ReferralState.IN_TRIAGE, ReferralState.ACTIVE],
        target=ReferralState.TRANSFER_REQUESTED,
        permission=_coordinates,
        custom=_step("Transfer to another area", "area", "reason"),
    )
    def transfer(self, *, area: str = "", reason: str = "") -> None:
        """The young person has moved: ask the receiving area's coordinators to take it."""
        receiving = Area.objects.filter(pk=_int(area)).exclude(pk=self.area_id).first()
        if receiving is None:
            raise ValidationError({"area": "Choose the area the young person has moved to"})
        _required_reason(reason)
        self.transfer_to_area = receiving

    @transition(
        field=state,
        source=ReferralState.TRANSFER_REQUESTED,
        target=ReferralState.TRANSFERRED,
        permission=_coordinates_receiving_area,
        custom=_step("Accept the transfer"),
    )
    def accept_transfer(self) -> None:
        """The receiving area takes the case; this area keeps a closed record of it."""
        self.outcome, self.closed_at = ClosureOutcome.MOVED_AREA, timezone.now()

    @transition(
        field=state,
        source=ReferralState.TRANSFER_REQUESTED,
        target=RETURN_VALUE(ReferralState.IN_TRIAGE, ReferralState.ACTIVE),
        permission=_coordinates_receiving_area,
        custom=_step("Decline the transfer", "reason"),
    )
    def decline_transfer(self, *, reason: str = "") -> str:
        """Back to where the case was: in triage until a decision, else the active plan."""
        _required_reason(reason)
        self.transfer_to_area = None
        return ReferralState.ACTIVE if self.decision else ReferralState.IN_TRIAGE

    @transition(
        field=state,
        source=[ReferralState.SUBMITTED, ReferralState.IN_TRIAGE, ReferralState.ACTIVE],
        target=ReferralState.MERGED,
        permission=_coordinates,
        custom=_step("Merge into another referral", "into", "reason"),
    )
    def merge(self, *, into: str = "", reason: str = "") -> None:
        """This referral duplicates another in the area: keep that one, link this to it."""
        kept = (
            Referral.objects.filter(
                reference=(into or "").strip().upper(), area_id=self.area_id, state__in=OPEN_STATES
            )
            .exclude(pk=self.pk)
            .first()
        )
        if kept is None:
            raise ValidationError(
                {"into": "Enter the reference of another open referral in this area"}
            )
        _required_reason(reason)
        self.merged_into = kept
        self.closed_at = timezone.now()


# What a concern must say before it can be submitted (the form asks for each on its page).
REQUIRED_TO_SUBMIT = {
    "narrative": "Enter what was seen or disclosed",
    "immediate_danger": "Say whether the young person is in immediate danger",
    "lawful_basis": "Choose the lawful basis for sharing this information",
    "consent": "Say whether consent was sought",
}


def _int(value: str) -> int:
    """An id typed into a form or API body; 0 (no row has it) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _lead_professionals(referral: Referral, agency: str) -> models.QuerySet[Membership]:
    return Membership.objects.filter(
        agency_id=_int(agency),
        area_id=referral.area_id,
        role=Role.LEAD_PROFESSIONAL,
        is_active=True,
        user__is_active=True,
    )


class ReferralEventType(models.TextChoices):
    RAISED = "raised", "Concern drafted"
    SUBMITTED = "submitted", "Concern submitted"
    WITHDRAWN = "withdrawn", "Concern withdrawn"
    TRIAGE_STARTED = "triage_started", "Triage started"
    DECIDED = "decided", "Decision recorded"
    CLOSED = "closed", "Referral closed"
    REOPENED = "reopened", "Referral reopened"
    LEAD_ASSIGNED = "lead_assigned", "Lead professional assigned"
    RAG_SET = "rag_set", "RAG rating set"
    INFORMATION_REQUESTED = "information_requested", "Information requested"
    INFORMATION_PROVIDED = "information_provided", "Information provided"
    INFORMATION_DECLINED = "information_declined", "Information request declined"
    REVIEWED = "reviewed", "Review recorded"
    RISK_REASSESSED = "risk_reassessed", "Risk reassessed"
    TRANSFER_REQUESTED = "transfer_requested", "Transfer requested"
    TRANSFER_ACCEPTED = "transfer_accepted", "Transfer accepted"
    TRANSFER_DECLINED = "transfer_declined", "Transfer declined"
    TRANSFERRED_IN = "transferred_in", "Transferred in from another area"
    MERGED = "merged", "Merged into another referral"
    DUPLICATE_MERGED = "duplicate_merged", "A duplicate referral was merged into this one"
    YOUNG_PERSON_LINKED = "young_person_linked", "Linked to an existing young person"
    YOUNG_PERSON_CONFIRMED = "young_person_confirmed", "Confirmed as a new young person"
    YOUNG_PERSON_CORRECTED = "young_person_corrected", "Young person's details corrected"
    YOUNG_PERSON_MERGED = "young_person_merged", "Young person's records merged"
    YOUNG_PERSON_UNMERGED = "young_person_unmerged", "Young person's records merge undone"
    YOUNG_PERSON_RESTRICTED = "young_person_restricted", "Young person's record restricted"
    YOUNG_PERSON_RESTRICTION_LIFTED = (
        "young_person_restriction_lifted",
        "Restriction of the young person's record lifted",
    )
    ACTION_ADDED = "action_added", "Protective action added"
    ACTION_UPDATED = "action_updated", "Protective action updated"
    ACTION_OWNER_CHANGED = "action_owner_changed", "Protective action owner changed"
    MISSING_STARTED = "missing_started", "Missing episode reported"
    MISSING_ENDED = "missing_ended", "Returned from missing"
    RETURN_HOME_INTERVIEW = "return_home_interview", "Return home interview recorded"
    NOTE_ADDED = "note_added", "Case note added"
    BREAK_GLASS = "break_glass", "Emergency access opened"
    BREAK_GLASS_REVIEWED = "break_glass_reviewed", "Emergency access reviewed"
    DISRUPTION_LOGGED = "disruption_logged", "Disruption activity logged"
    DISRUPTION_UPDATED = "disruption_updated", "Disruption activity updated"
    STRATEGY_DISCUSSION_RECORDED = "strategy_discussion_recorded", "Strategy discussion recorded"
    STRATEGY_DISCUSSION_UPDATED = "strategy_discussion_updated", "Strategy discussion corrected"
    SECTION_47_RECORDED = "section_47_recorded", "Section 47 enquiry recorded"
    SECTION_47_UPDATED = "section_47_updated", "Section 47 enquiry updated"
    NRM_REFERRAL_RECORDED = "nrm_referral_recorded", "National Referral Mechanism referral recorded"
    NRM_REFERRAL_UPDATED = "nrm_referral_updated", "National Referral Mechanism referral updated"


class ReferralEvent(models.Model):
    """One entry on a referral's timeline: a type plus its parameters. Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    event_type = models.CharField(max_length=40, choices=ReferralEventType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class ReferralAssignment(models.Model):
    """An agency's part in a referral, with the lead professional named for it."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assignments")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lead_assignments",
        null=True,
        blank=True,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral} – {self.agency}"


class YoungPersonMerge(models.Model):
    """Two records of one young person in an area joined: the referrals and network links of
    `merged` moved to `kept` (a link the kept record already has absorbed into that one),
    `merged` kept (never deleted) and marked as merged into it. What moved is recorded by id,
    so an undo within the area's `merge_undo_days` restores exactly that
    (referrals.identity_merging)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kept = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="merges_away")
    reason = models.TextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    moved_referrals = ArrayField(models.BigIntegerField(), default=list, blank=True)
    moved_links = ArrayField(models.BigIntegerField(), default=list, blank=True)
    absorbed_links = ArrayField(
        models.BigIntegerField(),
        default=list,
        blank=True,
        help_text="Of the links moved, those that repeated one of the kept record's and were "
        "absorbed into it",
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merged"],
                condition=models.Q(undone_at__isnull=True),
                name="young_person_merged_once_at_a_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(kept=models.F("merged")),
                name="young_person_merge_joins_two_records",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merged} merged into {self.kept}"

    def undo_until(self) -> datetime:
        """The end of the undo period, on the area's setting as it is now."""
        return self.merged_at + timedelta(days=self.area.merge_undo_days)


class YoungPersonRestriction(models.Model):
    """A restriction of processing (UK GDPR Article 18) on a young person's record: while it
    stands (not lifted) the record and its referrals are used by the area's coordinators
    alone; nobody else sees them, nothing new is linked to them and nobody else is told of
    them (referrals.restriction). Counts still count them. Lifting it keeps the row, so
    each restriction and its lifting stay on the record."""

    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="restrictions"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            # Also the index the need-to-know selectors read a standing restriction from.
            models.UniqueConstraint(
                fields=["young_person"],
                condition=models.Q(lifted_at__isnull=True),
                name="young_person_restricted_once_at_a_time",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True)
                | models.Q(lifted_at__gte=models.F("placed_at")),
                name="young_person_restriction_lifted_after_placed",
            ),
        ]

    def __str__(self) -> str:
        return f"Restriction on {self.young_person}"


class BreakGlassAccess(models.Model):
    """Emergency access to a referral outside the user's scope: time-limited and reviewed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    membership = models.ForeignKey(
        "agencies.Membership", on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "referral", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.referral} until {self.expires_at:%Y-%m-%d %H:%M}"


class ProtectiveActionType(models.Model):
    """The catalogue of protective actions: national entries (no area) and an area's own.
    An area chooses which national entries it uses (`not_used_by`) and retires its own
    (`is_active`); the actions recorded keep their type either way."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The area whose own entry this is; none for a national entry",
    )
    not_used_by = models.ManyToManyField(
        Area, blank=True, related_name="+", help_text="Areas that chose not to use this entry"
    )

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.label


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ProtectiveAction(models.Model):
    """One thing an agency will do to protect the young person, owned by a named person."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="actions")
    action_type = models.ForeignKey(ProtectiveActionType, on_delete=models.PROTECT)
    detail = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_actions"
    )
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(validators=[DUE_DATE])
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    outcome = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="open_action_due",
                condition=models.Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.action_type} ({self.referral})"

    def is_overdue(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < today


class ReturnInterview(models.TextChoices):
    DUE = "due", "Due"
    HELD = "held", "Held"
    NOT_HELD = "not_held", "Not held"


class MissingEpisode(models.Model):
    """A time the young person went missing. A return home interview is due after return."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="missing_episodes"
    )
    started_at = models.DateTimeField(validators=[ANY_DATE])
    ended_at = models.DateTimeField(null=True, blank=True, validators=[ANY_DATE])
    reported_by = models.CharField(max_length=200)
    police_reference = models.CharField(max_length=60, blank=True)
    interview_due_at = models.DateTimeField(null=True, blank=True)
    interview = models.CharField(
        max_length=20, choices=ReturnInterview.choices, blank=True, default=""
    )
    interview_by = models.CharField("Interview held by", max_length=200, blank=True)
    interview_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    interview_summary = models.TextField(blank=True)
    not_held_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="missing_episode_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Missing from {self.started_at:%Y-%m-%d %H:%M} ({self.referral})"


class CaseNote(models.Model):
    """A note on the case. Never edited: a correction is a new note pointing at the old one."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    restricted = models.BooleanField(
        default=False, help_text="Only the author's agency and the area's coordinators see it"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note by {self.author} on {self.referral}"


class InformationRequestStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    DECLINED = "declined", "Declined"


class InformationRequest(models.Model):
    """A coordinator's request to an agency for what it knows, answered (or declined, with
    the reason) once by that agency's safeguarding lead or the lead professional it named."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="information_requests"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    due_on = models.DateField(validators=[DUE_DATE])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10,
        choices=InformationRequestStatus.choices,
        default=InformationRequestStatus.OPEN,
    )
    answer = models.TextField(blank=True)
    attachment = models.FileField(upload_to="information-requests/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    declined_reason = models.TextField(blank=True)
    # Who answered or declined it, and when.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The open requests of an agency (work lists) and those coming due (timers).
            models.Index(
                fields=["agency", "due_on"],
                name="info_request_open_by_agency",
                condition=models.Q(status="open"),
            ),
        ]

    def __str__(self) -> str:
        return f"Request to {self.agency} on {self.referral}"

    @property
    def area_id(self) -> int:
        """The referral's area, so an audit record of the request is filed under it."""
        return self.referral.area_id


# --- Statutory steps beside the referral: strategy discussion, section 47, NRM -----------------


class StrategyDiscussion(models.Model):
    """A strategy discussion held because there was reasonable cause to suspect significant
    harm: who took part (children's social care, police and health at least) and whether a
    section 47 enquiry follows."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="strategy_discussions"
    )
    held_on = models.DateField("Date held", validators=[ANY_DATE])
    agencies = models.ManyToManyField(
        Agency, related_name="+", verbose_name="Agencies that took part"
    )
    outcome = models.TextField("What was agreed")
    section_47 = models.BooleanField("A section 47 enquiry follows")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on"], name="strategy_discussion_held")]

    def __str__(self) -> str:
        return f"Strategy discussion on {self.held_on:%-d %B %Y} ({self.referral})"


class Section47Outcome(models.TextChoices):
    CONFERENCE = "conference", "Concerns substantiated: initial child protection conference"
    SUBSTANTIATED_NO_CONFERENCE = (
        "substantiated_no_conference",
        "Concerns substantiated: no conference (child in need plan)",
    )
    NOT_SUBSTANTIATED = "not_substantiated", "Concerns not substantiated"


# Working Together: the initial child protection conference within 15 working days of the
# strategy discussion that started the enquiry.
CONFERENCE_WORKING_DAYS = 15


class Section47Enquiry(models.Model):
    """A section 47 enquiry led by children's social care, and what it found."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="section_47_enquiries"
    )
    strategy_discussion = models.ForeignKey(
        StrategyDiscussion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="section_47_enquiries",
        verbose_name="Strategy discussion that started it",
    )
    started_on = models.DateField("Date started", validators=[ANY_DATE])
    outcome = models.CharField(
        max_length=40, choices=Section47Outcome.choices, blank=True, default=""
    )
    conference_on = models.DateField(
        "Date of the initial child protection conference",
        null=True,
        blank=True,
        validators=[ANY_DATE],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name_plural = "section 47 enquiries"
        indexes = [models.Index(fields=["started_on"], name="section_47_started")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conference_on__isnull=True)
                | models.Q(conference_on__gte=models.F("started_on")),
                name="section_47_conference_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"Section 47 enquiry from {self.started_on:%-d %B %Y} ({self.referral})"

    def conference_due_on(self) -> date | None:
        """The latest day for the initial conference, counted from the strategy discussion."""
        if self.strategy_discussion is None:
            return None
        return working_days_after(self.strategy_discussion.held_on, CONFERENCE_WORKING_DAYS)


class NRMDecision(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


class NRMReferral(models.Model):
    """A referral to the National Referral Mechanism (modern slavery, which covers child sexual
    and criminal exploitation) by a first responder organisation, and the competent
    authority's decisions: reasonable grounds first, then conclusive grounds."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="nrm_referrals")
    referred_on = models.DateField("Date referred", validators=[ANY_DATE])
    first_responder = models.CharField("First responder organisation", max_length=200)
    reasonable_grounds = models.CharField(
        "Reasonable grounds decision",
        max_length=20,
        choices=NRMDecision.choices,
        blank=True,
        default="",
    )
    reasonable_grounds_on = models.DateField(
        "Date of the reasonable grounds decision", null=True, blank=True, validators=[ANY_DATE]
    )
    conclusive_grounds = models.CharField(
        "Conclusive grounds decision",
        max_length=20,
        choices=NRMDecision.choices,
        blank=True,
        default="",
    )
    conclusive_grounds_on = models.DateField(
        "Date of the conclusive grounds decision", null=True, blank=True, validators=[ANY_DATE]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = "National Referral Mechanism referral"
        indexes = [models.Index(fields=["referred_on"], name="nrm_referred")]
        constraints = [
            # A decision and its date together; conclusive grounds only after reasonable grounds.
            models.CheckConstraint(
                condition=models.Q(reasonable_grounds="", reasonable_grounds_on__isnull=True)
                | (
                    ~models.Q(reasonable_grounds="")
                    & models.Q(reasonable_grounds_on__gte=models.F("referred_on"))
                ),
                name="nrm_reasonable_grounds_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(conclusive_grounds="", conclusive_grounds_on__isnull=True)
                | (
                    ~models.Q(conclusive_grounds="")
                    & models.Q(conclusive_grounds_on__gte=models.F("reasonable_grounds_on"))
                ),
                name="nrm_conclusive_after_reasonable",
            ),
        ]

    def __str__(self) -> str:
        return f"NRM referral on {self.referred_on:%-d %B %Y} ({self.referral})"
