"""An area's catalogues: screening tool versions, protective action types and tactics."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from disruption.catalogues import tactic_add
from disruption.models import DisruptionTactic
from frontend.case_page import concern_summary
from referrals.casework import action_add
from referrals.catalogues import (
    IndicatorWording,
    action_type_add,
    area_entries,
    area_entry,
    area_screening_tool,
    entry_retire,
    entry_use,
    screening_tool_for,
    screening_tool_publish,
    screening_tool_retire,
    screening_tool_use,
    usable_entries,
)
from referrals.concerns import referral_update_draft
from referrals.models import ProtectiveActionType, ScreeningTool
from tests.factories import AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db

NATIONAL_CSE, NATIONAL_CCE = "default-1", "county-lines-1"


@pytest.fixture
def area() -> Any:
    return AreaFactory.create()


def _wordings(tool: ScreeningTool, **relabel: str) -> list[IndicatorWording]:
    return [
        IndicatorWording(i.category, relabel.get(i.code, i.label), i.weight, i.code)
        for i in tool.indicators.all()
    ]


def _publish(area: Any, actor: Any, based_on: str, **relabel: str) -> ScreeningTool:
    base = ScreeningTool.objects.get(version=based_on)
    return screening_tool_publish(
        actor=actor,
        area=area,
        based_on=base,
        name=f"{area.name} screening tool",
        exploitation_types=base.exploitation_types,
        indicators=_wordings(base, **relabel),
    )


def test_the_county_lines_tool_screens_criminal_exploitation(area: Any) -> None:
    tool = screening_tool_for(area=area, exploitation_type="criminal")
    assert tool.version == NATIONAL_CCE
    labels = set(tool.indicators.values_list("label", flat=True))
    assert "Associating with older people involved in drugs" in labels
    assert any("cuckooing" in label for label in labels)
    assert screening_tool_for(area=area, exploitation_type="sexual").version == NATIONAL_CSE
    # Nothing chosen yet, or a kind no tool names: the tool the area's settings name.
    assert screening_tool_for(area=area, exploitation_type="").version == NATIONAL_CSE
    assert screening_tool_for(area=area, exploitation_type="other").version == NATIONAL_CSE


def test_a_draft_takes_the_tool_of_its_kind_of_exploitation(area: Any) -> None:
    practitioner = member(Role.PRACTITIONER, area=area)
    draft = raise_referral(practitioner, concern={"screening_indicators": ["going_missing"]})
    assert draft.screening_tool is not None
    assert draft.screening_tool.version == NATIONAL_CSE
    changed = referral_update_draft(
        referral=draft, actor=practitioner, concern={"exploitation_type": "criminal"}
    )
    assert changed.screening_tool is not None
    assert changed.screening_tool.version == NATIONAL_CCE
    # An indicator the new tool does not have is dropped, not carried over.
    assert list(changed.screening_indicators.all()) == []


def test_a_referral_keeps_the_version_and_wording_it_was_screened_with(area: Any) -> None:
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    first = _publish(area, coordinator, NATIONAL_CSE, going_missing="Went missing overnight")
    screened = raise_referral(
        practitioner,
        submit=True,
        concern={"exploitation_type": "sexual", "screening_indicators": ["going_missing"]},
    )
    assert screened.screening_tool == first

    second = _publish(area, coordinator, first.version, going_missing="Missing from home or care")
    assert second.version != first.version and second.series == first.series
    first.refresh_from_db()
    assert first.retired_at is not None
    later = raise_referral(
        practitioner,
        submit=True,
        concern={"exploitation_type": "sexual", "screening_indicators": ["going_missing"]},
    )
    assert later.screening_tool == second

    screened.refresh_from_db()
    assert screened.screening_tool == first
    shown = dict(concern_summary(screened))["Screening indicators"]
    assert ("Significant indicators", "Went missing overnight") in shown
    assert "Missing from home or care" not in str(shown)
    assert ("Screened with", f"{first.name}, version {first.number}") in shown
    assert screened.screening_score == 4


def test_publishing_from_the_tool_the_settings_name_moves_the_settings(area: Any) -> None:
    coordinator = member(Role.COORDINATOR, area=area)
    own = _publish(area, coordinator, NATIONAL_CSE)
    area.refresh_from_db()
    assert area.screening_tool_version == own.version
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(own.pk), area=area
    ).exists()
    # From a tool the settings do not name, they stay.
    county_lines = _publish(area, coordinator, NATIONAL_CCE)
    area.refresh_from_db()
    assert area.screening_tool_version == own.version
    assert screening_tool_for(area=area, exploitation_type="criminal") == county_lines


def test_a_tool_is_refused_without_indicators_a_name_or_a_kind(area: Any) -> None:
    coordinator = member(Role.COORDINATOR, area=area)
    base = ScreeningTool.objects.get(version=NATIONAL_CSE)
    answers: dict[str, Any] = {
        "actor": coordinator,
        "area": area,
        "based_on": base,
        "name": "Tool",
        "exploitation_types": ["sexual"],
        "indicators": _wordings(base),
    }
    changes: list[tuple[dict[str, Any], str]] = [
        ({"indicators": []}, "indicators"),
        ({"name": "  "}, "name"),
        ({"exploitation_types": []}, "exploitation_types"),
        ({"exploitation_types": ["smuggling"]}, "exploitation_types"),
        ({"indicators": [IndicatorWording("significant", "x", 99)]}, "indicators"),
        ({"indicators": [IndicatorWording("rumour", "x", 1)]}, "indicators"),
    ]
    for change, field in changes:
        with pytest.raises(ValidationError) as refused:
            screening_tool_publish(**{**answers, **change})
        assert field in refused.value.message_dict
    assert not ScreeningTool.objects.filter(area=area).exists()


def test_only_the_areas_coordinators_keep_its_screening_tools(area: Any) -> None:
    base = ScreeningTool.objects.get(version=NATIONAL_CSE)
    for outsider in [
        member(Role.AREA_ADMINISTRATOR, area=area),
        member(Role.COORDINATOR),  # another area's
    ]:
        with pytest.raises(PermissionDenied):
            _publish(area, outsider, NATIONAL_CSE)
        with pytest.raises(PermissionDenied):
            screening_tool_retire(actor=outsider, area=area, tool=base)


def test_another_areas_tool_is_not_found(area: Any) -> None:
    elsewhere = AreaFactory.create()
    theirs = _publish(elsewhere, member(Role.COORDINATOR, area=elsewhere), NATIONAL_CSE)
    with pytest.raises(Http404):
        area_screening_tool(area=area, version=theirs.version)
    with pytest.raises(Http404):
        screening_tool_retire(actor=member(Role.COORDINATOR, area=area), area=area, tool=theirs)
    assert screening_tool_for(area=area, exploitation_type="sexual").version == NATIONAL_CSE


def test_an_area_stops_using_a_national_tool_and_uses_it_again(area: Any) -> None:
    coordinator = member(Role.COORDINATOR, area=area)
    county_lines = ScreeningTool.objects.get(version=NATIONAL_CCE)
    screening_tool_retire(actor=coordinator, area=area, tool=county_lines)
    assert screening_tool_for(area=area, exploitation_type="criminal").version == NATIONAL_CSE
    assert AuditEvent.objects.filter(object_id=str(county_lines.pk), area=area).exists()
    screening_tool_use(actor=coordinator, area=area, tool=county_lines)
    assert screening_tool_for(area=area, exploitation_type="criminal") == county_lines
    # The tool the settings name for every other concern cannot be put aside.
    with pytest.raises(ValidationError):
        screening_tool_retire(
            actor=coordinator, area=area, tool=ScreeningTool.objects.get(version=NATIONAL_CSE)
        )


def test_an_area_adds_retires_and_chooses_action_types(area: Any) -> None:
    admin = member(Role.AREA_ADMINISTRATOR, area=area)
    own = action_type_add(actor=admin, area=area, label="  Detached youth work  ")
    assert own.label == "Detached youth work" and own.area == area
    assert own in usable_entries(ProtectiveActionType, area_id=area.pk)
    elsewhere = AreaFactory.create()
    assert own not in usable_entries(ProtectiveActionType, area_id=elsewhere.pk)
    with pytest.raises(Http404):
        area_entry(ProtectiveActionType, area=elsewhere, pk=own.pk)
    with pytest.raises(ValidationError):
        action_type_add(actor=admin, area=area, label="detached youth work")

    national = ProtectiveActionType.objects.get(code="mentoring")
    entry_retire(actor=admin, area=area, entry=national)
    assert national not in usable_entries(ProtectiveActionType, area_id=area.pk)
    assert national in usable_entries(ProtectiveActionType, area_id=elsewhere.pk)
    listed = area_entries(ProtectiveActionType, area=area)
    assert [e.unused for e in listed if e == national] == [True]  # type: ignore[attr-defined]
    entry_use(actor=admin, area=area, entry=national)
    assert national in usable_entries(ProtectiveActionType, area_id=area.pk)

    entry_retire(actor=admin, area=area, entry=own)
    own.refresh_from_db()
    assert not own.is_active and own not in usable_entries(ProtectiveActionType, area_id=area.pk)
    with pytest.raises(ValidationError):
        entry_use(actor=admin, area=area, entry=own)
    again = action_type_add(actor=admin, area=area, label="Detached youth work")
    assert again.code != own.code and again.is_active
    with pytest.raises(PermissionDenied):
        action_type_add(actor=member(Role.COORDINATOR, area=area), area=area, label="Other")


def test_an_action_type_the_area_does_not_use_is_refused_on_a_plan(area: Any) -> None:
    admin = member(Role.AREA_ADMINISTRATOR, area=area)
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    national = ProtectiveActionType.objects.get(code="mentoring")
    entry_retire(actor=admin, area=area, entry=national)
    with pytest.raises(ValidationError) as refused:
        action_add(
            referral=referral,
            actor=coordinator,
            action_type=national,
            owner=coordinator,
            due_on=referral.created_at.date(),
        )
    assert "action_type" in refused.value.message_dict


def test_an_area_adds_its_own_tactic(area: Any) -> None:
    admin = member(Role.AREA_ADMINISTRATOR, area=area)
    tactic = tactic_add(
        actor=admin,
        area=area,
        label="Community protection notice",
        category="notice",
        legal_power="s43 Anti-social Behaviour, Crime and Policing Act 2014",
        expires=True,
        default_duration_days=365,
    )
    assert tactic in usable_entries(DisruptionTactic, area_id=area.pk)
    assert tactic not in usable_entries(DisruptionTactic, area_id=AreaFactory.create().pk)
    with pytest.raises(ValidationError):
        tactic_add(actor=admin, area=area, label="Order", category="rumour")
    with pytest.raises(ValidationError):
        tactic_add(
            actor=admin,
            area=area,
            label="Order",
            category="order",
            expires=True,
            default_duration_days=0,
        )
