"""The rules of signing in through an agency's provider, once its ID token has checked: who it
links to, when it counts as two factors, and when passwords stop working."""

from __future__ import annotations

import pytest

from agencies.models import Agency, Role, User
from identity.models import ExternalIdentity, IdentityProvider
from identity.protocol import scopes
from identity.selectors import password_sign_in_allowed, provider_for_email
from identity.services import SignInRefused, both_factors, provider_sign_in
from tests.factories import AgencyFactory, AreaFactory, member

pytestmark = pytest.mark.django_db

DOMAIN = "police.example.uk"


@pytest.fixture
def provider() -> IdentityProvider:
    agency = AgencyFactory.create(areas=[AreaFactory.create()])
    return IdentityProvider.objects.create(
        agency=agency,
        issuer="https://login.example.uk",
        client_id="hub",
        client_secret_variable="OIDC_X",
        email_domains=[DOMAIN],
        email_claim="email",
        email_verified_claim="email_verified",
        mfa_acr_values=["urn:example:mfa"],
    )


def person(agency: Agency, email: str) -> User:
    user = member(Role.PRACTITIONER, area=agency.areas.get(), agency=agency)
    User.objects.filter(pk=user.pk).update(email=email)
    user.refresh_from_db()
    return user


def claims(sub: str, email: str, *, verified: bool = True) -> dict[str, object]:
    return {"sub": sub, "email": email, "email_verified": verified}


def test_first_sign_in_links_by_verified_email_then_by_sub(provider: IdentityProvider) -> None:
    user = person(provider.agency, f"sam@{DOMAIN}")
    first = provider_sign_in(provider=provider, claims=claims("abc", f"SAM@{DOMAIN}"))
    assert first.identity.user == user and first.identity.sub == "abc"
    # The email changed at the provider: the sub still names the same person.
    again = provider_sign_in(provider=provider, claims=claims("abc", f"samuel@{DOMAIN}"))
    assert again.identity.user == user
    # Another account at the provider with the same email links to nobody new.
    with pytest.raises(SignInRefused, match="already linked"):
        provider_sign_in(provider=provider, claims=claims("other", f"sam@{DOMAIN}"))


def test_an_unverified_email_links_nobody(provider: IdentityProvider) -> None:
    person(provider.agency, f"sam@{DOMAIN}")
    with pytest.raises(SignInRefused, match="verified"):
        provider_sign_in(provider=provider, claims=claims("abc", f"sam@{DOMAIN}", verified=False))
    assert not ExternalIdentity.objects.exists()


def test_someone_of_another_agency_or_not_added_is_unknown(provider: IdentityProvider) -> None:
    other = AgencyFactory.create(areas=[provider.agency.areas.get()])
    person(other, f"sam@{DOMAIN}")
    with pytest.raises(SignInRefused) as refusal:
        provider_sign_in(provider=provider, claims=claims("abc", f"sam@{DOMAIN}"))
    assert refusal.value.unknown_person


def test_two_factors_only_when_the_token_says_so(provider: IdentityProvider) -> None:
    assert both_factors(provider=provider, claims={"amr": ["pwd", "mfa"]})
    assert both_factors(provider=provider, claims={"acr": "urn:example:mfa"})
    assert not both_factors(provider=provider, claims={"amr": ["pwd"]})
    assert not both_factors(provider=provider, claims={"amr": "mfa"})  # not a list
    assert not both_factors(provider=provider, claims={"acr": "urn:example:pwd"})


def test_home_realm_discovery_and_passwords_switched_off(provider: IdentityProvider) -> None:
    assert provider_for_email(email=f"sam@{DOMAIN.upper()}") == provider
    assert provider_for_email(email="sam@elsewhere.example.uk") is None
    assert provider_for_email(email="sam") is None
    user = person(provider.agency, f"sam@{DOMAIN}")
    assert password_sign_in_allowed(user=user)
    IdentityProvider.objects.filter(pk=provider.pk).update(password_sign_in=False)
    assert not password_sign_in_allowed(user=user)


@pytest.mark.parametrize(
    ("offered", "asked"),
    [
        (["openid", "email", "profile", "offline_access"], "openid email profile offline_access"),
        (["openid", "email", "profile"], "openid email profile"),
        (None, "openid email profile"),
    ],
)
def test_offline_access_is_asked_for_where_the_provider_lists_it(
    provider: IdentityProvider, offered: list[str] | None, asked: str
) -> None:
    # Entra ID issues a refresh token (which the leaver check spends) only for offline_access.
    provider.metadata = {"scopes_supported": offered} if offered is not None else {}
    assert scopes(provider) == asked
