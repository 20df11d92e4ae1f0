"""Pages for working a case: actions, missing episodes, notes, the young person's identity and
details, chronologies and overdue actions. Forms check the shape of what is typed, services the
rules; a service's PermissionDenied becomes a 403 and its ValidationError errors on the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import Form
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from referrals.audited_reads import records_seen, referral_open, young_person_open
from referrals.casework import (
    action_add,
    action_update,
    missing_episode_end,
    missing_episode_start,
    note_add,
    return_home_interview_record,
)
from referrals.identity import young_person_correct
from referrals.models import ActionStatus, Referral, ReferralState, ReturnInterview
from referrals.selectors import (
    action_owners,
    actions_for,
    casework_membership,
    missing_episodes_for,
    notes_for,
    overdue_actions,
    referral_for_casework,
    return_home_interview_overdue,
    timeline,
)

from .chronology import chronology
from .forms import (
    CORRECTION_FIELDS,
    ActionAddForm,
    ActionUpdateForm,
    InterviewHeldForm,
    MissingEndForm,
    MissingStartForm,
    NoteForm,
    ReturnInterviewForm,
    TimelineFilterForm,
    YoungPersonCorrectionForm,
    service_write,
)
from .merging import merging_context
from .pagination import paginate
from .restriction import restriction_context


def _for_casework(request: HttpRequest, reference: str) -> Referral:
    """The referral, for someone who may record casework on it: 404 out of scope, 403 for
    those who may read it but not write (emergency access, say)."""
    referral = referral_for_casework(user=request.user, reference=reference)
    if casework_membership(user=request.user, referral=referral) is None:
        raise PermissionDenied("You may read this case but not record on it.")
    return referral


def _page(
    request: HttpRequest,
    referral: Referral,
    form: Form,
    title: str,
    button: str,
    intro: str = "",
) -> HttpResponse:
    """One question or record per page, with a back link and the error summary."""
    context = {"referral": referral, "form": form, "title": title, "button": button}
    return render(request, "frontend/casework_form.html", context | {"intro": intro})


def _back(referral: Referral) -> HttpResponse:
    return redirect("frontend:referral-detail", reference=referral.reference)


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def action_add_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral = _for_casework(request, reference)
    form = ActionAddForm(
        _data(request), owners=action_owners(referral=referral), area_id=referral.area_id
    )
    if request.method == "POST" and service_write(
        form,
        lambda: action_add(
            referral=referral,
            actor=request.user,
            action_type=form.cleaned_data["action_type"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
            detail=form.cleaned_data["detail"],
        ),
    ):
        data = form.cleaned_data
        messages.success(
            request,
            f"Protective action added: {data['action_type']}, owned by "
            f"{data['owner'].get_full_name()}, due by {data['due_on']:%-d %B %Y}",
        )
        return _back(referral)
    return _page(request, referral, form, "Add a protective action", "Add the action")


@login_required
def action_update_page(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    referral = referral_for_casework(user=request.user, reference=reference)
    action = get_object_or_404(actions_for(referral=referral), pk=pk)
    # An action's owner may update it even when their agency is not named on the case.
    if action.owner_id != request.user.pk:
        _for_casework(request, reference)
    form = ActionUpdateForm(_data(request))
    if request.method == "POST" and service_write(
        form,
        lambda: action_update(
            action=action,
            actor=request.user,
            status=form.cleaned_data["status"],
            outcome=form.cleaned_data["outcome"],
        ),
    ):
        done = form.cleaned_data["status"] == ActionStatus.DONE
        messages.success(
            request,
            f"Action {'done' if done else 'cancelled'}: {action.action_type}",
        )
        return _back(referral)
    owner = f"{action.owner.get_full_name()} ({action.owner_agency})"
    intro = f"Owned by {owner}, due by {action.due_on:%-d %B %Y}."
    return _page(
        request, referral, form, f"Update the action: {action.action_type}", "Save", intro=intro
    )


@login_required
def missing_start_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral = _for_casework(request, reference)
    form = MissingStartForm(_data(request))
    if request.method == "POST" and service_write(
        form,
        lambda: missing_episode_start(referral=referral, actor=request.user, **form.cleaned_data),
    ):
        messages.success(request, "Missing episode reported")
        return _back(referral)
    return _page(request, referral, form, "Report a missing episode", "Report the missing episode")


def _episode(request: HttpRequest, reference: str, pk: int) -> tuple[Referral, Any]:
    referral = _for_casework(request, reference)
    return referral, get_object_or_404(missing_episodes_for(referral=referral), pk=pk)


@login_required
def missing_end_page(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    referral, episode = _episode(request, reference, pk)
    form = MissingEndForm(_data(request))
    ended = request.method == "POST" and service_write(
        form,
        lambda: missing_episode_end(
            episode=episode, actor=request.user, ended_at=form.cleaned_data["ended_at"]
        ),
    )
    if ended:
        due = timezone.localtime(ended.interview_due_at)
        messages.success(
            request,
            f"Return recorded: the return home interview is due by {due:%-d %B %Y at %H:%M}",
        )
        return _back(referral)
    intro = f"They went missing on {timezone.localtime(episode.started_at):%-d %B %Y at %H:%M}."
    return _page(request, referral, form, "Record the return", "Record the return", intro=intro)


@login_required
def interview_held_page(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """First, whether the return home interview was held: the next page asks what follows."""
    referral, episode = _episode(request, reference, pk)
    form = InterviewHeldForm(_data(request))
    if request.method == "POST" and form.is_valid():
        return redirect(
            "frontend:return-interview", referral.reference, episode.pk, form.cleaned_data["held"]
        )
    return _page(
        request,
        referral,
        form,
        "Record the return home interview",
        "Continue",
        intro=_returned(episode),
    )


def _returned(episode: Any) -> str:
    if episode.ended_at is None:
        return ""
    return f"They returned on {timezone.localtime(episode.ended_at):%-d %B %Y at %H:%M}."


# The answer to "was it held?", as it appears in the address of the page that follows.
INTERVIEW_ANSWERS = {"held": True, "not-held": False}


@login_required
def return_interview_page(
    request: HttpRequest, reference: str, pk: int, answer: str
) -> HttpResponse:
    if answer not in INTERVIEW_ANSWERS:
        raise Http404("No such answer")
    held = INTERVIEW_ANSWERS[answer]
    referral, episode = _episode(request, reference, pk)
    form = ReturnInterviewForm(_data(request), held=held)
    if request.method == "POST" and service_write(
        form,
        lambda: return_home_interview_record(
            episode=episode, actor=request.user, held=held, **form.cleaned_data
        ),
    ):
        messages.success(
            request,
            "Return home interview recorded" if held else "Why no interview was held is recorded",
        )
        return _back(referral)
    title = "The return home interview" if held else "Why no return home interview was held"
    return _page(request, referral, form, title, "Save", intro=_returned(episode))


@login_required
def note_add_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral = _for_casework(request, reference)
    form = NoteForm(_data(request))
    if request.method == "POST" and service_write(
        form, lambda: note_add(referral=referral, actor=request.user, **form.cleaned_data)
    ):
        restricted = " (restricted)" if form.cleaned_data["restricted"] else ""
        messages.success(request, f"Case note added{restricted}")
        return _back(referral)
    return _page(request, referral, form, "Add a case note", "Add the note")


@login_required
def young_person_correct_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral = _for_casework(request, reference)
    form = YoungPersonCorrectionForm(
        _data(request), initial=model_to_dict(referral.young_person, fields=list(CORRECTION_FIELDS))
    )
    if request.method == "POST" and service_write(
        form,
        lambda: young_person_correct(
            referral=referral,
            actor=request.user,
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
        ),
    ):
        changed = form.changed_labels()
        messages.success(
            request,
            f"Details corrected: {', '.join(changed)}"
            if changed
            else "Nothing was changed; the reason is recorded",
        )
        return _back(referral)
    person = referral.young_person
    records_seen(actor=request.user, records=[person], referral=referral, request=request)
    return _page(
        request, referral, form, "Correct the young person's details", "Save the correction"
    )


def _chronology_page(
    request: HttpRequest, referrals: QuerySet[Referral], context: dict[str, Any]
) -> HttpResponse:
    form = TimelineFilterForm(request.GET)
    chosen = form.cleaned_data["type"] if form.is_valid() else []
    events = timeline(user=request.user, referrals=referrals, event_types=chosen)
    context |= {"form": form, "entries": chronology(events), "printed_at": timezone.now()}
    return render(request, "frontend/timeline.html", context)


@login_required
@require_GET
def referral_timeline_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral_for_casework(user=request.user, reference=reference)  # 404 unless seen in full
    referral, _ = referral_open(actor=request.user, reference=reference, request=request)
    return _chronology_page(
        request, Referral.objects.filter(pk=referral.pk), {"referral": referral}
    )


@login_required
@require_GET
def young_person_timeline_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = young_person_open(actor=request.user, pk=pk, request=request)
    user = signed_in(request.user)
    context = (
        {"young_person": person, "can_answer_subject_access": coordinates_area_of(user, person)}
        | merging_context(user=user, young_person=person)
        | restriction_context(user=user, young_person=person)
    )
    return _chronology_page(request, person.referrals.all(), context)


@login_required
@permission_required("referrals.view_overdue_actions", raise_exception=True)
@require_GET
def overdue_actions_page(request: HttpRequest) -> HttpResponse:
    pages = paginate(request, overdue_actions(user=request.user))
    records_seen(actor=request.user, records=pages.rows, request=request)
    actions = [(action, True) for action in pages.rows]
    return render(request, "frontend/overdue_actions.html", {"actions": actions, "pages": pages})


def casework_context(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """What the referral page shows of the case to someone who sees it in full."""
    today = timezone.localdate()
    return {
        "actions": [(a, a.is_overdue(today)) for a in actions_for(referral=referral)],
        "episodes": [
            (e, return_home_interview_overdue(episode=e))
            for e in missing_episodes_for(referral=referral)
        ],
        "notes": notes_for(user=request.user, referral=referral),
        "can_work": casework_membership(user=request.user, referral=referral) is not None,
        "can_match": referral.state == ReferralState.IN_TRIAGE
        and coordinates_area_of(request.user, referral),
        "interview_due": ReturnInterview.DUE,
    }
