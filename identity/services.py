"""Writes about agencies' identity providers: setting one up, signing a person in through
it (linking their account the first time), and ending their sessions when it says so."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc.util import urlsafe_b64decode

from agencies.models import Agency, Area, Membership, Role, User
from agencies.selectors import administered_area_membership
from agencies.services import user_sign_out_everywhere
from audit.models import AuditAction
from audit.services import audit_record
from notifications.models import NotificationKind
from notifications.services import notify

from . import protocol
from .models import (
    GROUP_ROLES,
    ExternalIdentity,
    GroupRole,
    IdentityProvider,
    ProviderSession,
    UsedLogoutToken,
)
from .sealing import seal
from .selectors import (
    email_domain,
    link_candidate,
    linked_identity,
    providers_with_issuer,
    session_identity,
)

SECRET_VARIABLE = re.compile(r"^OIDC_[A-Z0-9_]{1,59}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM = re.compile(r"^[A-Za-z0-9_:./-]{1,64}$")
VARIABLE_NAME_INVALID = (
    "Enter the name of an environment variable that starts with OIDC_ and has only capital "
    "letters, digits and underscores, like OIDC_POLICE_SECRET"
)
MAX_DOMAINS = 20
MAX_ACR_VALUES = 10
GROUP_CAP = 255  # identity.models.GroupRole.group
MAX_TOKEN_GROUPS = 500  # read from an ID token: more is a provider's mistake, not a person


@dataclass(frozen=True)
class ProviderSettings:
    """What an area administrator sets for an agency's provider (page or API)."""

    issuer: str
    client_id: str
    client_secret_variable: str
    email_domains: list[str]
    email_claim: str = "email"
    email_verified_claim: str = "email_verified"
    mfa_acr_values: tuple[str, ...] = ()
    password_sign_in: bool = True
    groups_claim: str = ""  # empty: roles never come from the provider
    # The group giving each role in the administrator's area (role value: group).
    group_roles: Mapping[str, str] = field(default_factory=dict)


def _check(settings: ProviderSettings, agency: Agency) -> dict[str, Any]:
    """The settings' own rules, then the provider's discovery document; refusals by field."""
    errors: dict[str, str] = {}
    if not SECRET_VARIABLE.match(settings.client_secret_variable):
        errors["client_secret_variable"] = VARIABLE_NAME_INVALID
    domains = [d.strip().lower() for d in settings.email_domains if d.strip()]
    if not domains or len(domains) > MAX_DOMAINS or not all(map(DOMAIN.match, domains)):
        errors["email_domains"] = (
            f"Enter between 1 and {MAX_DOMAINS} email domains, one a line, like police.example.uk"
        )
    else:
        taken = IdentityProvider.objects.filter(email_domains__overlap=domains).exclude(
            agency=agency
        )
        if taken.exists():
            errors["email_domains"] = "Another agency's sign-in already uses one of these domains"
    for claim in ("email_claim", "email_verified_claim"):
        if not CLAIM.match(getattr(settings, claim)):
            errors[claim] = "Enter a claim name: letters, digits and _ : . / - only"
    acr = [v.strip() for v in settings.mfa_acr_values if v.strip()]
    if len(acr) > MAX_ACR_VALUES or any(len(v) > 200 for v in acr):
        errors["mfa_acr_values"] = f"Enter {MAX_ACR_VALUES} values or fewer, one a line"
    errors.update(_group_errors(settings))
    if errors:
        raise ValidationError(errors)
    try:
        metadata = protocol.discover(settings.issuer)
    except protocol.ProviderError as exc:
        raise ValidationError(
            {
                "issuer": "The provider's settings could not be read from this issuer: check "
                f"the address ({exc.reason})"
            }
        ) from exc
    return {
        "issuer": settings.issuer,
        "client_id": settings.client_id,
        "client_secret_variable": settings.client_secret_variable,
        "email_domains": sorted(set(domains)),
        "email_claim": settings.email_claim,
        "email_verified_claim": settings.email_verified_claim,
        "mfa_acr_values": acr,
        "password_sign_in": settings.password_sign_in,
        "groups_claim": settings.groups_claim.strip(),
        "metadata": metadata,
    }


def _group_errors(settings: ProviderSettings) -> dict[str, str]:
    errors: dict[str, str] = {}
    claim = settings.groups_claim.strip()
    if claim and not CLAIM.match(claim):
        errors["groups_claim"] = "Enter a claim name: letters, digits and _ : . / - only"
    groups = {role: group.strip() for role, group in settings.group_roles.items() if group.strip()}
    if groups and not claim:
        errors["groups_claim"] = "Enter the claim holding the groups, or give no group a role"
    mappable = dict(GROUP_ROLES)
    for role, group in groups.items():
        if role not in mappable:
            errors["group_roles"] = f"A group cannot give the role {role}"
        elif len(group) > GROUP_CAP:
            errors[f"group_{role}"] = f"Enter a group of {GROUP_CAP} characters or fewer"
    return errors


def _save_group_roles(
    *, provider: IdentityProvider, area: Area, group_roles: Mapping[str, str]
) -> dict[str, str]:
    """The area's groups for roles, as given (the others' areas are theirs to set)."""
    wanted = {role: group.strip() for role, group in group_roles.items() if group.strip()}
    GroupRole.objects.filter(provider=provider, area=area).exclude(role__in=wanted).delete()
    for role, group in wanted.items():
        GroupRole.objects.update_or_create(
            provider=provider, area=area, role=role, defaults={"group": group}
        )
    return wanted


def provider_save(
    *, actor: User, area: Area, agency: Agency, settings: ProviderSettings
) -> IdentityProvider:
    """Create or change the agency's provider. The discovery document is read first, outside
    the transaction (a slow provider holds no lock)."""
    membership = administered_area_membership(user=actor, area=area)
    if membership is None or not agency.areas.filter(pk=area.pk).exists():
        raise PermissionDenied("Only the area's administrators may set its agencies' sign-in")
    values = _check(settings, agency)
    with transaction.atomic(durable=True):
        provider, created = IdentityProvider.objects.select_for_update().update_or_create(
            agency=agency, defaults=values
        )
        groups = _save_group_roles(provider=provider, area=area, group_roles=settings.group_roles)
        audit_record(
            action=AuditAction.CREATE if created else AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=provider,
            area=area,
            details={
                **{k: v for k, v in values.items() if k != "metadata"},
                "group_roles": groups,
            },
        )
    return provider


# --- signing in ------------------------------------------------------------------------------


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; `reason` goes to the audit record."""

    def __init__(self, reason: str, *, unknown_person: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unknown_person = unknown_person


@dataclass(frozen=True)
class ProviderSignIn:
    identity: ExternalIdentity
    both_factors: bool  # the ID token says the provider asked for two factors


def both_factors(*, provider: IdentityProvider, claims: dict[str, Any]) -> bool:
    """The ID token counts as both factors only when it says so: `amr` holds "mfa", or its
    `acr` is one the agency named."""
    amr = claims.get("amr")
    if isinstance(amr, list) and "mfa" in amr:
        return True
    return bool(claims.get("acr")) and claims.get("acr") in provider.mfa_acr_values


def _verified_email(provider: IdentityProvider, claims: dict[str, Any]) -> str:
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(f"the ID token has no email address in {provider.email_claim}")
    if claims.get(provider.email_verified_claim) is not True:
        raise SignInRefused("the provider does not say the email address is verified")
    if email_domain(email) not in provider.email_domains:
        raise SignInRefused(f"{email_domain(email)} is not one of the agency's email domains")
    return email.strip()


def provider_sign_in(
    *, provider: IdentityProvider, claims: dict[str, Any], refresh_token: str = ""
) -> ProviderSignIn:
    """The person the checked ID token names: by the provider's `sub` once linked; the first
    time, the person an area administrator added with that verified email address (their
    `sub` is stored then). Never a new account, never a role. The sign-in's `sid` and refresh
    token are kept (`ProviderSession`) for logout and the leaver check."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise SignInRefused("the ID token has no usable sub")
    with transaction.atomic(durable=True):
        identity = linked_identity(provider=provider, sub=sub)
        if identity is None:
            email = _verified_email(provider, claims)
            user = link_candidate(provider=provider, email=email)
            if user is None:
                raise SignInRefused(
                    "nobody with this email address has a role in the agency",
                    unknown_person=True,
                )
            User.objects.select_for_update().filter(pk=user.pk).first()  # one link at a time
            if ExternalIdentity.objects.filter(provider=provider, user=user).exists():
                raise SignInRefused("the person is already linked to another account there")
            identity = ExternalIdentity.objects.create(
                user=user, provider=provider, sub=sub, name=f"{provider.agency.name} sign-in"
            )
        if not identity.user.is_active:
            raise SignInRefused("the person's account is deactivated")
        _roles_from_groups(provider=provider, user=identity.user, claims=claims)
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["last_sign_in_at"])
        sid = claims.get("sid")
        if refresh_token or isinstance(sid, str):
            ProviderSession.objects.create(
                identity=identity,
                sid=sid[:255] if isinstance(sid, str) else "",
                refresh_token=seal(refresh_token),
                session_epoch=identity.user.session_epoch,
            )
    return ProviderSignIn(
        identity=identity, both_factors=both_factors(provider=provider, claims=claims)
    )


def _roles_from_groups(*, provider: IdentityProvider, user: User, claims: dict[str, Any]) -> None:
    """Where the agency opted in, give the person each role whose group the ID token lists
    and end each one whose group it does not; a token without the claim changes nothing (a
    provider may leave it out, as Entra ID does for someone in too many groups)."""
    listed = claims.get(provider.groups_claim) if provider.groups_claim else None
    if not isinstance(listed, list):
        return
    groups = {str(group) for group in listed[:MAX_TOKEN_GROUPS]}
    for mapping in GroupRole.objects.filter(provider=provider).select_related("area"):
        wanted = mapping.group in groups
        held = Membership.objects.filter(
            user=user, role=mapping.role, area=mapping.area, agency=provider.agency
        ).first()
        if wanted == (held is not None and held.is_active):
            continue
        action = AuditAction.CHANGE if held is not None else AuditAction.CREATE
        if held is None:
            held = Membership.objects.create(
                user=user, role=mapping.role, area=mapping.area, agency=provider.agency
            )
        else:
            Membership.objects.filter(pk=held.pk).update(is_active=wanted)
        audit_record(
            action=action,
            target=held,
            area=mapping.area,
            details={"is_active": wanted, "via": "provider_groups", "agency": provider.agency_id},
        )


def unknown_person_report(*, provider: IdentityProvider, claims: dict[str, Any]) -> None:
    """Tell the area administrators of the provider's agency that someone not added tried
    to sign in (once a day per address), naming the address the provider gave."""
    email = str(claims.get(provider.email_claim) or "no email address")[:254]
    day = timezone.localdate().isoformat()
    with transaction.atomic():
        for area in Area.objects.filter(agencies=provider.agency).order_by("pk"):
            administrators = User.objects.filter(
                memberships__area=area,
                memberships__role=Role.AREA_ADMINISTRATOR,
                memberships__is_active=True,
                is_active=True,
            ).distinct()
            notify(
                recipients=administrators,
                kind=NotificationKind.UNKNOWN_SIGN_IN,
                event_key=f"unknown-sign-in:{provider.pk}:{email.lower()}:{day}",
                title=f"Sign-in by someone not added: {email}",
                body=f"{email} signed in at {provider.agency.name}'s own sign-in, but nobody "
                "with that email address has a role in the agency here. Add them if they "
                "should use the service.",
                url=reverse("frontend:admin-people", args=[area.ons_code]),
                area_id=area.pk,
            )


# --- back-channel logout ---------------------------------------------------------------------


def back_channel_logout(*, logout_token: str) -> list[User]:
    """End every session and token of the person a provider's verified logout token names:
    by `sub`, or by the `sid` of a sign-in kept here when it names only that (the person's
    other sessions end too: a provider logging a person out is a reason to end them all).
    Returns whom it signed out (nobody when neither was ever seen here)."""
    issuer = _unverified_issuer(logout_token)
    refusals: list[str] = []
    for provider in providers_with_issuer(issuer=issuer):
        try:
            claims = protocol.logout_claims(provider=provider, logout_token=logout_token)
        except protocol.ProviderError as exc:
            refusals.append(exc.reason)  # another agency's client on the same issuer?
            continue
        _first_use(provider=provider, claims=claims)
        identity = _named_identity(provider=provider, claims=claims)
        if identity is None:
            return []
        user_sign_out_everywhere(
            user=identity.user,
            actor=identity.user,
            because={"back_channel_logout": provider.agency.name},
        )
        return [identity.user]
    raise protocol.ProviderError("; ".join(refusals) or "no provider has this issuer")


def _named_identity(
    *, provider: IdentityProvider, claims: dict[str, Any]
) -> ExternalIdentity | None:
    if sub := claims.get("sub"):
        return linked_identity(provider=provider, sub=str(sub))
    return session_identity(provider=provider, sid=str(claims["sid"]))


LEEWAY = timedelta(seconds=protocol.CLOCK_SKEW_SECONDS)


def _first_use(*, provider: IdentityProvider, claims: dict[str, Any]) -> None:
    """Remember the token's jti until it expires (forgetting those that have), or refuse it
    when it was acted on before: a replayed logout token."""
    now = timezone.now()
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC) + LEEWAY
    UsedLogoutToken.objects.filter(provider=provider, expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedLogoutToken.objects.create(provider=provider, jti=claims["jti"], expires_at=expires)
    except IntegrityError as exc:
        raise protocol.ProviderError("a logout token already used (replayed)") from exc


def _unverified_issuer(token: str) -> str:
    """Which provider to check the token against: its `iss`, read before any check."""
    try:
        payload = json.loads(urlsafe_b64decode(token.split(".")[1].encode()))
    except (IndexError, ValueError) as exc:
        raise protocol.ProviderError("the logout token is not a JWT") from exc
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str):
        raise protocol.ProviderError("the logout token names no issuer")
    return issuer
