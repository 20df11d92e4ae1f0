"""Area strategy profiles: the 2010 study's questionnaire kept current, the sessions that
measure it, the library of protocols and the national comparison (docs/strategy-profiles.md).

Writes (services) take an explicit actor and write their audit record in the same durable
transaction; reads (selectors) take the user and answer 404 for an area they may not read.
Nothing here is about a child: profiles, documents and sessions describe how an area works.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from agencies.dates import DateRange
from agencies.models import Agency, AgencyType, Area, Role
from agencies.selectors import active_memberships
from audit.models import AuditAction
from audit.services import audit_record

from .disclosure import Figure, Line, count_figure, percentage, publish
from .models import (
    ActivityStatus,
    CoordinatorStatus,
    DeliveryStatus,
    DocumentKind,
    ProtocolStatus,
    ServiceStatus,
    SessionKind,
    StrategyDocument,
    StrategyProfile,
    StrategySession,
    year_label,
)

FIRST_YEAR = 2000  # the earliest reporting year (and review date) the service accepts
EARLIEST_REVIEW = date(FIRST_YEAR, 1, 1)
# When a session of awareness raising or training was held: since the profiles began.
HELD_ON = DateRange(earliest=EARLIEST_REVIEW, years_ahead=0)


@dataclass(frozen=True)
class Question:
    """One questionnaire item: the profile field it fills and how it is asked."""

    field: str
    text: str
    optional: bool = False  # may be left unanswered by an area that responded


QUESTIONS: tuple[Question, ...] = (
    Question("protocol", "Does the area have a protocol for child sexual exploitation?"),
    Question("protocol_reviewed_on", "When was the protocol last reviewed?", optional=True),
    Question(
        "protocol_reviewed_since_guidance",
        "Has the protocol been reviewed since the current guidance was published?",
    ),
    Question("sub_group", "Does the partnership have a sub group on exploitation?"),
    Question(
        "lead_professional_agencies",
        "Which agencies have identified lead professionals?",
        optional=True,
    ),
    Question("coordinator", "Is there a coordinator?"),
    Question("specialist_service", "Is there a specialist service?"),
    Question("awareness_professionals", "Awareness raising with professionals"),
    Question("awareness_young_people", "Awareness raising with young people"),
    Question("awareness_parents_and_carers", "Awareness raising with parents and carers"),
    Question("training_identification", "Training on identification"),
    Question("training_protection", "Training on protection"),
    Question("training_evidence_gathering", "Training on gathering evidence"),
    Question("disruption_activity", "Disruption and prosecution activity"),
    Question("local_data_collection", "Does the area collect its own data on exploitation?"),
)
ANSWER_FIELDS = tuple(q.field for q in QUESTIONS)

# The profile answers that logged sessions measure: field -> (kind, audience or topic).
MEASURED: dict[str, tuple[str, str]] = {
    "awareness_professionals": (SessionKind.AWARENESS, "professionals"),
    "awareness_young_people": (SessionKind.AWARENESS, "young_people"),
    "awareness_parents_and_carers": (SessionKind.AWARENESS, "parents_and_carers"),
    "training_identification": (SessionKind.TRAINING, "identification"),
    "training_protection": (SessionKind.TRAINING, "protection"),
    "training_evidence_gathering": (SessionKind.TRAINING, "evidence_gathering"),
}


# Reporting years -----------------------------------------------------------------------------


def reporting_year(on: date) -> int:
    """The reporting year (April to March) a day falls in, named by the year it starts."""
    return on.year if on.month >= 4 else on.year - 1


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def check_year(year: int, *, today: date) -> str | None:
    """Why `year` is not a reporting year the service keeps, or None."""
    latest = reporting_year(today)
    if not FIRST_YEAR <= year <= latest:
        return f"Enter a reporting year from {FIRST_YEAR} to {latest}"
    return None


def check_reviewed_on(reviewed_on: date, *, year: int, today: date) -> str | None:
    """Why a protocol review date cannot belong to the profile of `year`, or None: it is not
    before 2000, nor after the reporting year's end, nor in the future."""
    allowed = DateRange(earliest=EARLIEST_REVIEW, latest=year_bounds(year)[1], years_ahead=0)
    return allowed.problem(reviewed_on, today=today)


# Who may read and keep which area's profile -----------------------------------------------


def _readable_area_ids(user: Any) -> set[int] | None:
    """The areas whose profiles the user reads; None for every area (a national analyst)."""
    memberships = active_memberships(user=user)
    if any(m.role == Role.NATIONAL_ANALYST for m in memberships):
        return None
    readers = {Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR}
    return {m.area_id for m in memberships if m.role in readers and m.area_id is not None}


def profile_areas(*, user: Any) -> QuerySet[Area]:
    """The areas whose strategy profiles the user may read."""
    readable = _readable_area_ids(user)
    areas = Area.objects.order_by("name")
    return areas if readable is None else areas.filter(pk__in=readable)


def profile_area(*, user: Any, ons_code: str) -> Area:
    """An area whose profile the user may read; 404 for any other."""
    area = profile_areas(user=user).filter(ons_code=ons_code).first()
    if area is None:
        raise Http404("No such area")
    return area


def kept_area(*, user: Any, ons_code: str, year: int | None = None) -> Area:
    """An area whose profile the user keeps (coordinator or administrator of it); 404 for an
    area they may not read, or a `year` the service does not keep, 403 for one they only
    read."""
    area = profile_area(user=user, ons_code=ons_code)
    if not user.has_perm("reports.edit_strategy_profile", area):
        raise PermissionDenied
    if year is not None and check_year(year, today=timezone.localdate()):
        raise Http404("No such reporting year")
    return area


def _require_keeper(actor: Any, area: Area) -> None:
    if not actor.has_perm("reports.edit_strategy_profile", area):
        raise PermissionDenied


# The profile ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    """What an area logged for one measured answer in the profile's year. Sessions and people
    attending are counts of an area's own activity, not of children: shown as they are."""

    sessions: Figure
    attending: Figure


@dataclass(frozen=True)
class Answer:
    field: str
    question: str
    answer: str
    logged: Logged | None


@dataclass(frozen=True)
class ProfilePage:
    area: Area
    year: int
    label: str
    profile: StrategyProfile | None
    answers: list[Answer]
    documents: list[StrategyDocument]
    may_edit: bool


def answer_text(profile: StrategyProfile, field: str) -> str:
    value = getattr(profile, field)
    if field == "lead_professional_agencies":
        return ", ".join(AgencyType(v).label for v in value) or "None identified"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if value is None:
        return "Not given"
    return str(getattr(profile, f"get_{field}_display")())


def logged_figures(*, area: Area, year: int) -> dict[str, Logged]:
    """Sessions logged and people attending, by measured answer, in the reporting year."""
    start, end = year_bounds(year)
    rows = (
        StrategySession.objects.filter(area=area, held_on__range=(start, end))
        .values("kind", "audience", "topic")
        .annotate(sessions=Count("pk"), attending=Sum("attending"))
    )
    found = {(r["kind"], r["audience"] or r["topic"]): r for r in rows}
    logged = {}
    for field, key in MEASURED.items():
        row = found.get(key, {"sessions": 0, "attending": 0})
        logged[field] = Logged(
            sessions=count_figure(row["sessions"], hidden=False),
            attending=count_figure(row["attending"], hidden=False),
        )
    return logged


def strategy_profile_page(
    *, user: Any, ons_code: str, year: int, request: Any = None
) -> ProfilePage:
    """An area's profile for a reporting year, with the logged figures beside the answers it
    measures; reading it is recorded."""
    area = profile_area(user=user, ons_code=ons_code)
    if check_year(year, today=timezone.localdate()):
        raise Http404("No such reporting year")
    profile = StrategyProfile.objects.filter(area=area, year=year).first()
    logged = logged_figures(area=area, year=year)
    answers = [
        Answer(
            field=q.field,
            question=q.text,
            answer=answer_text(profile, q.field) if profile and profile.responded else "",
            logged=logged.get(q.field),
        )
        for q in QUESTIONS
    ]
    documents = list(profile.documents.select_related("uploaded_by")) if profile else []
    audit_record(
        action=AuditAction.VIEW,
        actor=user,
        target=profile,
        area=area,
        request=request,
        details={"strategy_profile": year},
    )
    return ProfilePage(
        area=area,
        year=year,
        label=year_label(year),
        profile=profile,
        answers=answers,
        documents=documents,
        may_edit=user.has_perm("reports.edit_strategy_profile", area),
    )


def strategy_profile_list(
    *, user: Any, ons_code: str = "", year: int | None = None
) -> QuerySet[StrategyProfile]:
    """The profiles of the areas the user reads (none for anyone else), optionally of one
    area or year."""
    profiles = StrategyProfile.objects.filter(area__in=profile_areas(user=user)).select_related(
        "area", "submitted_by"
    )
    if ons_code:
        profiles = profiles.filter(area__ons_code=ons_code.upper())
    if year is not None:
        profiles = profiles.filter(year=year)
    return profiles


def strategy_profile_get(*, user: Any, ons_code: str, year: int) -> StrategyProfile:
    """One profile of an area the user reads; 404 for any other, or a year not answered."""
    profile = strategy_profile_list(user=user, ons_code=ons_code, year=year).first()
    if profile is None:
        raise Http404("No such strategy profile")
    return profile


def strategy_profile_for(*, area: Area, year: int) -> StrategyProfile | None:
    return StrategyProfile.objects.filter(area=area, year=year).first()


def _check_answers(answers: Mapping[str, Any], *, year: int, today: date) -> dict[str, Any]:
    """The answers as a responding profile stores them; ValidationError by field."""
    errors: dict[str, str] = {}
    missing = [q.field for q in QUESTIONS if not q.optional and answers.get(q.field) in (None, "")]
    for field in missing:
        errors[field] = "Answer this question"
    reviewed_on = answers.get("protocol_reviewed_on")
    if reviewed_on and (problem := check_reviewed_on(reviewed_on, year=year, today=today)):
        errors["protocol_reviewed_on"] = problem
    if errors:
        raise ValidationError(errors)
    values = {field: answers.get(field) for field in ANSWER_FIELDS}
    values["lead_professional_agencies"] = sorted(set(values["lead_professional_agencies"] or []))
    candidate = StrategyProfile(**values, area_id=0, year=year)
    candidate.full_clean(exclude=["area", "submitted_by"], validate_unique=False)
    return values


def write_profile(
    *,
    actor: Any,
    area: Area,
    year: int,
    values: Mapping[str, Any],
    responded: bool,
    now: Any,
    details: Mapping[str, Any] | None = None,
) -> StrategyProfile:
    """Store one area's answers for a year (inside the caller's transaction) with its audit
    record naming the fields that changed. Used by the form and by the import."""
    # get_or_create: two first answers at once make one profile, the second a change to it.
    profile, created = StrategyProfile.objects.select_for_update().get_or_create(
        area=area, year=year
    )
    new = {**dict(values), "responded": responded}
    changed = sorted(f for f, v in new.items() if getattr(profile, f) != v)
    for field, value in new.items():
        setattr(profile, field, value)
    profile.submitted_at = now if responded else None
    profile.submitted_by = actor if responded else None
    profile.save()
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        actor=actor,
        target=profile,
        details={"strategy_profile": year, "changed": changed, **(details or {})},
    )
    return profile


def strategy_profile_save(
    *, actor: Any, area: Area, year: int, answers: Mapping[str, Any]
) -> StrategyProfile:
    """An area's own answers for a reporting year: every question answered marks it as
    responded, submitted now by the actor."""
    _require_keeper(actor, area)
    today = timezone.localdate()
    if problem := check_year(year, today=today):
        raise ValidationError({"year": problem})
    values = _check_answers(answers, year=year, today=today)
    with transaction.atomic(durable=True):
        return write_profile(
            actor=actor, area=area, year=year, values=values, responded=True, now=timezone.now()
        )


# Evidence documents and the library ---------------------------------------------------------

# What a document may be, by file name ending, and how its first bytes must look: the kinds
# people open without running anything. DOCX and ODT files are zip archives.
DOCUMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    ".txt": ("text/plain; charset=utf-8", b""),
}


def check_upload_size(upload: UploadedFile) -> None:
    """An uploaded file (a document, an import) is neither empty nor over the size cap."""
    limit = settings.UPLOAD_MAX_FILE_SIZE
    if not upload.size:
        raise ValidationError({"file": "The selected file is empty"})
    if upload.size > limit:
        raise ValidationError(
            {"file": f"The selected file must be smaller than {limit // (1024 * 1024)} MB"}
        )


def check_document(upload: UploadedFile) -> str:
    """The upload's file name ending, once it is an accepted type within the size cap (a
    library document, an information request's attachment)."""
    name = upload.name or ""
    suffix = PurePath(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise ValidationError({"file": "The selected file must be a PDF, DOCX, ODT or TXT"})
    check_upload_size(upload)
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    magic = DOCUMENT_TYPES[suffix][1]
    if not head.startswith(magic) or (suffix == ".txt" and not _is_text(head)):
        kind = suffix[1:].upper()
        raise ValidationError({"file": f"The selected file is not a {kind} file: check it"})
    return suffix


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut off at the end of the sample
    return True


def strategy_document_add(
    *, actor: Any, area: Area, year: int, title: str, kind: str, upload: UploadedFile
) -> StrategyDocument:
    """Attach a document to an area's profile for a year (kept, unanswered, if the area has
    not answered yet); it joins the library."""
    _require_keeper(actor, area)
    if problem := check_year(year, today=timezone.localdate()):
        raise ValidationError({"year": problem})
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "Choose what kind of document this is"})
    if not title.strip():
        raise ValidationError({"title": "Enter a title"})
    check_document(upload)
    with transaction.atomic():  # not durable: an API retry record commits with it
        profile, _ = StrategyProfile.objects.get_or_create(area=area, year=year)
        document = StrategyDocument(
            profile=profile,
            title=title.strip(),
            kind=kind,
            original_name=PurePath(upload.name or "document").name[:200],
            size=upload.size or 0,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        document.file.save(document.original_name, upload, save=False)
        document.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            target=document,
            area=area,
            details={"strategy_profile": year, "title": document.title, "kind": kind},
        )
    return document


def library_documents(
    *, user: Any, text: str = "", kind: str = "", ons_code: str = ""
) -> QuerySet[StrategyDocument]:
    """The library every profile reader may search: documents of every area."""
    if not user.has_perm("reports.view_strategy_profiles"):
        raise PermissionDenied
    documents = StrategyDocument.objects.select_related("profile__area")
    if text.strip():
        documents = documents.filter(title__icontains=text.strip())
    if kind:
        documents = documents.filter(kind=kind)
    if ons_code:
        documents = documents.filter(profile__area__ons_code=ons_code)
    return documents


def library_areas() -> QuerySet[Area]:
    """Every area, to search the library by: the library is shared between all areas."""
    return Area.objects.order_by("name")


def library_document(*, user: Any, pk: int, request: Any = None) -> StrategyDocument:
    """A document to download; the download is recorded."""
    document = library_documents(user=user).filter(pk=pk).first()
    if document is None:
        raise Http404("No such document")
    audit_record(
        action=AuditAction.VIEW,
        actor=user,
        target=document,
        area=document.profile.area,
        request=request,
        details={"download": document.original_name},
    )
    return document


def document_content_type(document: StrategyDocument) -> str:
    suffix = PurePath(document.original_name).suffix.lower()
    return DOCUMENT_TYPES.get(suffix, ("application/octet-stream", b""))[0]


# Logged sessions ----------------------------------------------------------------------------


def session_agencies(*, area: Area) -> QuerySet[Agency]:
    return area.agencies.filter(is_active=True).order_by("name")


def strategy_session_log(
    *,
    actor: Any,
    area: Area,
    kind: str,
    audience: str = "",
    topic: str = "",
    held_on: date,
    agency: Agency,
    attending: int,
) -> StrategySession:
    """Log an awareness-raising session (with its audience) or a training session (with its
    topic) the area held."""
    _require_keeper(actor, area)
    errors: dict[str, str] = {}
    if kind == SessionKind.AWARENESS:
        topic = ""
        if not audience:
            errors["audience"] = "Choose who the awareness raising was for"
    elif kind == SessionKind.TRAINING:
        audience = ""
        if not topic:
            errors["topic"] = "Choose what the training was on"
    else:
        errors["kind"] = "Choose awareness raising or training"
    if problem := HELD_ON.problem(held_on):
        errors["held_on"] = problem
    if not session_agencies(area=area).filter(pk=agency.pk).exists():
        errors["agency"] = "Choose an agency that works in the area"
    if attending < 1:
        errors["attending"] = "Enter how many people attended, 1 or more"
    if errors:
        raise ValidationError(errors)
    session = StrategySession(
        area=area,
        kind=kind,
        audience=audience,
        topic=topic,
        held_on=held_on,
        agency=agency,
        attending=attending,
        logged_by=actor,
        logged_at=timezone.now(),
    )
    session.full_clean(exclude=["logged_by"])
    with transaction.atomic(durable=True):
        session.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            target=session,
            details={"strategy_session": kind, "held_on": held_on, "attending": attending},
        )
    return session


def strategy_sessions(*, user: Any, area: Area, limit: int = 200) -> list[StrategySession]:
    """An area's logged sessions, newest first (the area must be one the user reads)."""
    profile_area(user=user, ons_code=area.ons_code)
    return list(
        StrategySession.objects.filter(area=area)
        .select_related("agency")
        .order_by("-held_on", "-pk")[:limit]
    )


# The national comparison ---------------------------------------------------------------------

PROTECTION = Q(coordinator=CoordinatorStatus.IN_POST) | Q(specialist_service=ServiceStatus.IN_PLACE)
DUAL_STRATEGY = (
    Q(protocol=ProtocolStatus.IN_PLACE) & PROTECTION & Q(disruption_activity=ActivityStatus.ACTIVE)
)
NO_PLANS = (Q(coordinator=CoordinatorStatus.NONE) & Q(specialist_service=ServiceStatus.NONE)) | Q(
    disruption_activity=ActivityStatus.NONE
)
CURRENT_PROTOCOL = Q(protocol=ProtocolStatus.IN_PLACE, protocol_reviewed_since_guidance="yes")


def _delivered(field: str) -> Q:
    return Q(**{field: DeliveryStatus.DELIVERED})


# Each item counted: (key, label, the responding profiles it counts).
ITEMS: tuple[tuple[str, str, Q], ...] = (
    ("protocol_in_place", "Protocol in place", Q(protocol=ProtocolStatus.IN_PLACE)),
    (
        "protocol_in_development",
        "Protocol in development",
        Q(protocol=ProtocolStatus.IN_DEVELOPMENT),
    ),
    ("current_protocol", "Protocol in place and reviewed since current guidance", CURRENT_PROTOCOL),
    ("sub_group", "Sub group", Q(sub_group=True)),
    ("lead_professionals", "Lead professionals identified", ~Q(lead_professional_agencies=[])),
    ("coordinator_in_post", "Coordinator in post", Q(coordinator=CoordinatorStatus.IN_POST)),
    ("coordinator_planned", "Coordinator planned", Q(coordinator=CoordinatorStatus.PLANNED)),
    (
        "specialist_service_in_place",
        "Specialist service in place",
        Q(specialist_service=ServiceStatus.IN_PLACE),
    ),
    (
        "specialist_service_planned",
        "Specialist service planned",
        Q(specialist_service=ServiceStatus.PLANNED),
    ),
    (
        "awareness_professionals",
        "Awareness raising with professionals delivered",
        _delivered("awareness_professionals"),
    ),
    (
        "awareness_young_people",
        "Awareness raising with young people delivered",
        _delivered("awareness_young_people"),
    ),
    (
        "awareness_parents_and_carers",
        "Awareness raising with parents and carers delivered",
        _delivered("awareness_parents_and_carers"),
    ),
    (
        "training_identification",
        "Training on identification delivered",
        _delivered("training_identification"),
    ),
    ("training_protection", "Training on protection delivered", _delivered("training_protection")),
    (
        "training_evidence_gathering",
        "Training on gathering evidence delivered",
        _delivered("training_evidence_gathering"),
    ),
    (
        "disruption_active",
        "Disruption and prosecution activity active",
        Q(disruption_activity=ActivityStatus.ACTIVE),
    ),
    (
        "disruption_planned",
        "Disruption and prosecution activity planned",
        Q(disruption_activity=ActivityStatus.PLANNED),
    ),
    ("local_data_collection", "Local data collection", Q(local_data_collection=True)),
)

# The best and the rest: a partition of the areas that responded (docs/strategy-profiles.md).
GROUPS: tuple[tuple[str, str, Q], ...] = (
    ("dual_strategy", "Delivering the dual strategy", DUAL_STRATEGY),
    ("working_towards", "Working towards it", ~DUAL_STRATEGY & ~NO_PLANS),
    ("no_plans", "Without plans for it", NO_PLANS),
)

# Cross-tables of all areas (a non-responder has neither): (slug, title, rows, columns).
CROSS_TABLES: tuple[tuple[str, str, tuple[str, Q], tuple[str, Q]], ...] = (
    (
        "protocol_awareness",
        "Protocol in place against awareness raising with professionals delivered",
        ("Protocol in place", Q(protocol=ProtocolStatus.IN_PLACE)),
        ("Awareness raising with professionals delivered", _delivered("awareness_professionals")),
    ),
    (
        "coordinator_disruption",
        "Coordinator in post against disruption and prosecution activity active",
        ("Coordinator in post", Q(coordinator=CoordinatorStatus.IN_POST)),
        ("Disruption and prosecution activity active", Q(disruption_activity="active")),
    ),
    (
        "sub_group_data",
        "Sub group against local data collection",
        ("Sub group", Q(sub_group=True)),
        ("Local data collection", Q(local_data_collection=True)),
    ),
)
CELLS = ("yes_yes", "yes_no", "no_yes", "no_no")

# The headline statements, as the study made them, of these items and groups.
HEADLINES = ("coordinator_in_post", "current_protocol", "specialist_service_in_place")


@dataclass(frozen=True)
class ItemRow:
    key: str
    label: str
    count: Figure  # areas that responded with it; a non-responder is counted as without it
    of_responding: Figure
    of_all: Figure


@dataclass(frozen=True)
class CrossTable:
    slug: str
    title: str
    row_label: str
    column_label: str
    cells: dict[str, Figure]
    total: Figure


@dataclass(frozen=True)
class Comparison:
    year: int
    label: str
    all_areas: Figure
    responding: Figure
    not_responding: Figure
    items: list[ItemRow]
    groups: list[ItemRow]
    cross_tables: list[CrossTable]
    statements: list[str]


def share_phrase(share: Decimal | float) -> str:
    """A share in words, as the study put it ("fewer than a quarter of areas")."""
    ladder = (
        (25, "fewer than a quarter"),
        (31, "more than a quarter"),
        (36, "about a third"),
        (50, "fewer than half"),
        (50.05, "half"),
        (75, "more than half"),
    )
    return next((words for limit, words in ladder if share < limit), "at least three quarters")


def _sum_figure(figures: Sequence[Figure]) -> Figure:
    """A sum of published counts, suppressed when any of them is: a shown sum of a shown and
    a suppressed count would give the suppressed one away."""
    if any(f.suppressed or f.value is None for f in figures):
        return count_figure(0, hidden=True)
    return count_figure(sum(int(f.value or 0) for f in figures), hidden=False)


def _counted() -> dict[str, Q]:
    """Every count the comparison makes of the responding profiles, by key."""
    counted = {key: q for key, _, q in ITEMS}
    counted.update({key: q for key, _, q in GROUPS})
    for slug, _, (_, rows), (_, columns) in CROSS_TABLES:
        counted[f"{slug}:yes_yes"] = rows & columns
        counted[f"{slug}:yes_no"] = rows & ~columns
        counted[f"{slug}:no_yes"] = ~rows & columns
    return counted


def first_answered_year() -> int | None:
    """The earliest reporting year any area answered for; None before any did."""
    first: int | None = StrategyProfile.objects.filter(responded=True).aggregate(first=Min("year"))[
        "first"
    ]
    return first


def national_comparison(*, user: Any, year: int, request: Any = None) -> Comparison:
    """Every item's count and share of areas, of those that responded and of all areas (a
    non-responder counted as having nothing), the best and the rest, and the cross-tables.

    All counts go through reports.disclosure in one call. Its lines: every area is in one group
    or did not respond, and in one cell of each cross-table (a non-responder in "no, no").
    Reading it is recorded."""
    if not user.has_perm("reports.view_national_comparison"):
        raise PermissionDenied
    if check_year(year, today=timezone.localdate()):
        raise Http404("No such reporting year")
    counted = _counted()
    # Aliases of their own: an aggregate named like a field would be filtered on instead of it.
    found = StrategyProfile.objects.filter(year=year, responded=True).aggregate(
        responded=Count("pk"),
        **{f"n{i}": Count("pk", filter=q) for i, q in enumerate(counted.values())},
    )
    counts = {key: int(found[f"n{i}"]) for i, key in enumerate(counted)}
    counts["all"] = Area.objects.count()
    counts["not_responded"] = counts["all"] - int(found["responded"])
    lines = [Line("all", (*(key for key, _, _ in GROUPS), "not_responded"))]
    for slug, *_ in CROSS_TABLES:
        counts[f"{slug}:no_no"] = counts["all"] - sum(counts[f"{slug}:{c}"] for c in CELLS[:3])
        lines.append(Line("all", tuple(f"{slug}:{cell}" for cell in CELLS)))
    shown = publish(counts, lines)
    everyone = shown["all"]
    answered = _sum_figure([shown[key] for key, _, _ in GROUPS])

    def row(key: str, label: str, of_all: Figure) -> ItemRow:
        return ItemRow(
            key=key,
            label=label,
            count=shown[key],
            of_responding=percentage(shown[key], answered),
            of_all=percentage(of_all, everyone),
        )

    items = [row(key, label, shown[key]) for key, label, _ in ITEMS]
    # Of all areas, those without plans include every area that did not respond.
    groups = [
        row(key, label, _sum_figure([shown[key], shown["not_responded"]]))
        if key == "no_plans"
        else row(key, label, shown[key])
        for key, label, _ in GROUPS
    ]
    cross_tables = [
        CrossTable(
            slug=slug,
            title=title,
            row_label=row_label,
            column_label=column_label,
            cells={cell: shown[f"{slug}:{cell}"] for cell in CELLS},
            total=everyone,
        )
        for slug, title, (row_label, _), (column_label, _) in CROSS_TABLES
    ]
    audit_record(
        action=AuditAction.VIEW, actor=user, request=request, details={"national_comparison": year}
    )
    return Comparison(
        year=year,
        label=year_label(year),
        all_areas=everyone,
        responding=answered,
        not_responding=shown["not_responded"],
        items=items,
        groups=groups,
        cross_tables=cross_tables,
        statements=_statements(items, groups, everyone=everyone, answered=answered),
    )


def _statements(
    items: list[ItemRow], groups: list[ItemRow], *, everyone: Figure, answered: Figure
) -> list[str]:
    """The study's kind of headline, for the items it led with, where the figures are shown:
    "Coordinator in post in fewer than a quarter of areas: 29 of 144 (20.1%); 28.7% of the
    101 that responded"."""
    by_key = {row.key: row for row in [*items, *groups]}
    statements = []
    for key in HEADLINES:
        row = by_key[key]
        if row.of_all.value is None or row.of_responding.value is None:
            continue
        statements.append(
            f"{row.label} in {share_phrase(row.of_all.value)} of areas: {row.count.text} of "
            f"{everyone.text} ({row.of_all.text}); {row.of_responding.text} of the "
            f"{answered.text} that responded"
        )
    no_plans = by_key["no_plans"]
    if no_plans.of_responding.value is not None:
        statements.append(
            f"Without plans for the dual strategy: {share_phrase(no_plans.of_responding.value)} "
            f"of the areas that responded ({no_plans.count.text} of {answered.text}, "
            f"{no_plans.of_responding.text})"
        )
    return statements
