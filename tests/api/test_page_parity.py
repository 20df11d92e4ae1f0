"""Every page that reads or changes case data has an API operation with the same rules: each
route of the `frontend` URLconf is either matched to the API operations that offer what it
offers, or listed as purely presentational with the reason. A new page in neither list fails
here, as does a match naming an operation the API does not have or does not document."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

# Page → the API operations (URL names in the `api` namespace) that do what it does.
PAGE_OPERATIONS: dict[str, tuple[str, ...]] = {
    "records": ("retention-schedule",),
    "records-schedule": ("retention-schedule",),
    "records-rule": ("retention-rule",),
    "records-reviews": ("retention-reviews",),
    "records-review": ("retention-reviews",),
    "records-review-ask": ("retention-reviews",),
    "records-review-keep": ("retention-review-keep",),
    "records-review-approve": ("retention-review-approve",),
    "records-holds": ("legal-holds",),
    "records-hold-place": ("legal-holds",),
    "records-hold-release": ("legal-hold-release",),
    "records-erased": ("tombstones",),
    "my-cases": ("my-cases",),
    "young-person-match": ("young-person-matches",),
    "young-person-match-confirm": ("young-person-matches",),
    "action-owner": ("action-owner",),
    "strategy-discussions-add": ("strategy-discussions",),
    "strategy-discussions-change": ("strategy-discussion",),
    "section-47-enquiries-add": ("section-47-enquiries",),
    "section-47-enquiries-change": ("section-47-enquiry",),
    "nrm-referrals-add": ("nrm-referrals",),
    "nrm-referrals-change": ("nrm-referral",),
    "information-requests": ("information-requests",),
    "information-request": ("information-request",),
    "information-request-answer": ("information-request-answer",),
    "information-request-decline": ("information-request-decline",),
    "information-request-attachment": ("information-request",),
    "young-person-merge": ("young-person-merge",),
    "young-person-merge-compare": ("young-person-merge",),
    "young-person-unmerge": ("young-person-unmerge",),
    "subject-access": ("young-person-subject-access",),
    "subject-access-download": ("subject-access-export-download",),
    "suspect-subject-access": ("person-of-concern-subject-access",),
    "subject-access-agree": ("subject-access-export-agree",),
    "subject-access-extend": ("subject-access-export-extend",),
    "young-person-restrict": ("young-person-restriction",),
    "young-person-restriction-lift": ("young-person-restriction-lift",),
    "screening-home": ("screening-tools",),
    "screening-tools": ("screening-tools",),
    "screening-tool": ("screening-tool",),
    "screening-tool-new-version": ("screening-tools",),
    "screening-tool-retire": ("screening-tool-retire",),
    "screening-tool-use": ("screening-tool-use",),
    "admin-action-types": ("protective-action-types",),
    "admin-action-types-retire": ("protective-action-type-retire",),
    "admin-action-types-use": ("protective-action-type-use",),
    "admin-tactics": ("disruption-tactics",),
    "admin-tactics-retire": ("disruption-tactic-retire",),
    "admin-tactics-use": ("disruption-tactic-use",),
    "my-actions": ("my-actions",),
    "concern-start": ("referrals",),
    "concern-page": ("referral",),
    "concern-check": ("referral", "referral-transition"),
    "concern-sent": ("referral",),
    "notifications": ("notifications",),
    "notifications-mark-read": ("notification-read", "notifications-read-all"),
    "notification-settings": ("notification-preferences",),
    "api-tokens": ("tokens",),
    "api-token-revoke": ("token-revoke",),
    "strategy-profiles": ("strategy-profiles",),
    "strategy-profile": ("strategy-profile",),
    "strategy-profile-edit": ("strategy-profile",),
    "strategy-sessions": ("strategy-sessions",),
    "strategy-library": ("strategy-library",),
    "strategy-library-download": ("strategy-library-download",),
    "strategy-document-add": ("strategy-documents",),
    "strategy-import-start": ("strategy-profile-imports",),
    "strategy-import": ("strategy-profile-import",),
    "strategy-import-progress": ("strategy-profile-import",),
    "strategy-comparison": ("strategy-comparison",),
    "triage-queue": ("triage-queue",),
    "national": ("national-returns",),
    "national-import": ("national-returns",),
    "national-tables": ("national-tables",),
    "national-return": ("national-return-area",),
    "referral-list": ("referrals",),
    "break-glass": ("referral-break-glass",),
    "break-glass-review": ("break-glass-reviews", "break-glass-review"),
    "referral-detail": ("referral", "referral-transitions", "referral-seen-by"),
    "referral-step": ("referral-transition",),
    "referral-timeline": ("referral-timeline",),
    "action-add": ("actions",),
    "action-update": ("action",),
    "missing-start": ("missing-episodes",),
    "missing-end": ("missing-return",),
    "interview-held": ("return-interview",),
    "return-interview": ("return-interview",),
    "note-add": ("notes",),
    "young-person-correct": ("young-person-correct",),
    "young-person-timeline": ("young-person-timeline",),
    "overdue-actions": ("overdue-actions",),
    "admin": ("admin-areas",),
    "admin-people": ("admin-people",),
    "admin-person-add": ("admin-people",),
    "admin-membership-end": ("admin-membership-end",),
    "admin-person-deactivate": ("admin-person-deactivate",),
    "admin-agencies": ("admin-agencies",),
    "admin-agency-deactivate": ("admin-agency-deactivate",),
    "admin-agency-sign-in": ("admin-agency-sign-in",),
    "admin-scim-tokens": ("admin-scim-tokens",),
    "admin-scim-token-revoke": ("admin-scim-token-revoke",),
    "admin-settings": ("admin-settings",),
    "admin-lockouts": ("admin-lockouts",),
    "admin-emails": ("admin-emails",),
    "admin-audit": ("admin-audit", "admin-audit-export"),
    "meetings": ("meetings",),
    "meeting-schedule": ("meetings",),
    "meeting": ("meeting",),
    "meeting-propose": ("meeting-propose-agenda",),
    "meeting-item-add": ("meeting-items",),
    "meeting-item-decision": ("meeting-item-decision",),
    "meeting-minutes": ("meeting-minutes",),
    "intelligence": ("persons-of-concern", "locations", "vehicles", "identifiers"),
    "clusters": ("clusters",),
    "network": ("network",),
    "link-alerts": ("link-alerts",),
    "link-alert-review": ("link-alert-review",),
    "link-share": ("link-share",),
    "entity-new": ("persons-of-concern", "locations", "vehicles", "identifiers"),
    "entity": ("person-of-concern", "location", "vehicle", "identifier"),
    "entity-edit": ("person-of-concern", "location", "vehicle", "identifier"),
    "link-add": ("links",),
    "mentions": ("mentions", "mention"),
    "disruption-log": ("disruption-activities",),
    "disruption-expiring": ("disruption-activities",),
    "disruption-add": ("disruption-activities", "disruption-tactics"),
    "disruption-update": ("disruption-activity",),
    "reports": ("report-areas",),
    "report-dashboard": ("report-dashboard",),
    "report-export": ("report-dashboard-export",),
    "search": ("search",),
}

# Pages that read and change no case data: what each is for, reviewed.
PRESENTATIONAL: dict[str, str] = {
    "home": "links to the other pages; its lists are those of my-cases and my-actions",
    "act-as": "picks which of one's roles a browser session acts in; a token acts in its own",
    "sign-in": "browser sign-in; the API authenticates with tokens",
    "sign-in-password": "browser sign-in's password step",
    "sign-in-code": "browser sign-in's second factor",
    "sign-in-set-up": "setting up the authenticator app for browser sign-in",
    "sign-in-recovery-codes": "browser sign-in's recovery codes",
    "sign-in-callback": "browser sign-in's return from an agency's own provider",
    "sign-out": "ends the browser session",
    "sign-out-everywhere": "ends every browser session (and revokes tokens, as token-revoke)",
    "strategy-import-template": "a blank CSV file to fill in",
    "admin-agency-suggestions": "the agency picker's suggestions; admin-agencies lists them",
    "autocomplete": "the record picker's suggestions; search and the entity lists hold them",
    "report-chart": "a chart drawn from report-dashboard's figures",
    "health": "the service's own health, no case data",
    "healthz": "liveness probe",
    "readyz": "readiness probe",
}


def _patterns(namespace: str) -> dict[str, URLPattern]:
    resolver = get_resolver().namespace_dict[namespace][1]
    patterns: list[URLPattern | URLResolver] = list(resolver.url_patterns)
    return {p.name: p for p in patterns if isinstance(p, URLPattern) and p.name}


def _names(namespace: str) -> set[str]:
    return set(_patterns(namespace))


def test_every_page_is_matched_or_reviewed() -> None:
    pages = _names("frontend")
    unlisted = pages - set(PAGE_OPERATIONS) - set(PRESENTATIONAL)
    assert not unlisted, f"pages with no API operation and no reviewed reason: {unlisted}"
    gone = (set(PAGE_OPERATIONS) | set(PRESENTATIONAL)) - pages
    assert not gone, f"listed pages that no longer exist: {gone}"
    assert not set(PAGE_OPERATIONS) & set(PRESENTATIONAL)


@pytest.mark.django_db
def test_every_matched_operation_exists_and_is_documented(api_client: APIClient) -> None:
    operations = {name for names in PAGE_OPERATIONS.values() for name in names}
    missing = operations - _names("api")
    assert not missing, f"API operations named but not in api/urls.py: {missing}"
    documented = set(api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"])
    for name, pattern in _patterns("api").items():
        if name not in operations:
            continue
        route = "/api/" + re.sub(r"<\w+:pk>", "{id}", str(pattern.pattern))
        route = route.replace("<str:", "{").replace("<int:", "{").replace(">", "}")
        assert route in documented, f"{name} ({route}) is not in the OpenAPI schema"
