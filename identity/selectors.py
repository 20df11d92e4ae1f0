"""Reads about agencies' identity providers and the accounts linked to them."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Agency, Area, Membership, User

from .models import ExternalIdentity, IdentityProvider, ProviderSession


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(*, email: str) -> IdentityProvider | None:
    """Home-realm discovery: the provider of the active agency whose work email domain this
    address is in, or None (then the password route)."""
    domain = email_domain(email)
    if "@" not in email or not domain:
        return None
    return (
        IdentityProvider.objects.select_related("agency")
        .filter(email_domains__contains=[domain], agency__is_active=True)
        .first()
    )


def area_providers(*, area: Area) -> dict[int, IdentityProvider]:
    """The providers of the area's agencies, by agency id (an administration page's list)."""
    providers = IdentityProvider.objects.filter(agency__areas=area).select_related("agency")
    return {p.agency_id: p for p in providers}


def identity_provider(*, pk: int) -> IdentityProvider | None:
    return IdentityProvider.objects.select_related("agency").filter(pk=pk).first()


def agency_provider(*, agency: Agency) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(agency=agency).first()


def provider_origins() -> list[str]:
    """Where the sign-in form may send someone: each provider's authorization endpoint's
    origin (the page's Content-Security-Policy `form-action` must name them)."""
    endpoints = IdentityProvider.objects.filter(agency__is_active=True).values_list(
        "metadata__authorization_endpoint", flat=True
    )
    return sorted({_origin(e) for e in endpoints if isinstance(e, str) and "://" in e})


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def password_sign_in_allowed(*, user: User) -> bool:
    """False when every agency the person has an active role in signs its people in through
    its own provider alone."""
    agency_ids = set(
        Membership.objects.filter(user=user, is_active=True).values_list("agency_id", flat=True)
    )
    if not agency_ids:
        return True
    closed = IdentityProvider.objects.filter(agency_id__in=agency_ids, password_sign_in=False)
    return closed.count() < len(agency_ids)


def linked_identity(*, provider: IdentityProvider, sub: str) -> ExternalIdentity | None:
    return (
        ExternalIdentity.objects.select_related("user").filter(provider=provider, sub=sub).first()
    )


def link_candidate(*, provider: IdentityProvider, email: str) -> User | None:
    """The active person with this email address and an active role in the provider's
    agency: whom an area administrator already added."""
    return (
        User.objects.filter(
            email__iexact=email,
            is_active=True,
            memberships__agency_id=provider.agency_id,
            memberships__is_active=True,
        )
        .distinct()
        .first()
    )


def providers_with_issuer(*, issuer: str) -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(issuer=issuer)


def session_identity(*, provider: IdentityProvider, sid: str) -> ExternalIdentity | None:
    """Whose sign-in through the provider had this `sid`."""
    session = (
        ProviderSession.objects.select_related("identity__user")
        .filter(identity__provider=provider, sid=sid)
        .exclude(sid="")
        .first()
    )
    return session.identity if session is not None else None
