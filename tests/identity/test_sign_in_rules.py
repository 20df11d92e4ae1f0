"""The rules of signing in through an agency's provider, once its ID token has checked: who it
links to, when it counts as two factors, and when passwords stop working."""

from __future__ import annotations

import pytest

from agencies.models import Agency, Role, User
from audit.models import AuditAction, AuditEvent
from identity.models import ExternalIdentity, GroupRole, IdentityProvider
from identity.protocol import scopes
from identity.selectors import password_sign_in_allowed, provider_for_email
from identity.services import SignInRefused, both_factors, provider_sign_in
from tests.factories import AgencyFactory, AreaFactory, MembershipFactory, member

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


def roles(user: User) -> set[str]:
    return set(user.memberships.filter(is_active=True).values_list("role", flat=True))


def test_groups_give_and_end_only_the_roles_the_area_mapped(provider: IdentityProvider) -> None:
    area = provider.agency.areas.get()
    user = person(provider.agency, f"sam@{DOMAIN}")  # a practitioner, added by hand
    GroupRole.objects.create(provider=provider, area=area, role=Role.COORDINATOR, group="cse")
    GroupRole.objects.create(provider=provider, area=area, role=Role.PRACTITIONER, group="all")
    signed = {**claims("abc", f"sam@{DOMAIN}"), "groups": ["cse", "all", "other"]}

    # Not opted in: the groups in the token are not read.
    provider_sign_in(provider=provider, claims=signed)
    assert roles(user) == {Role.PRACTITIONER}

    IdentityProvider.objects.filter(pk=provider.pk).update(groups_claim="groups")
    provider.refresh_from_db()
    provider_sign_in(provider=provider, claims=signed)
    assert roles(user) == {Role.PRACTITIONER, Role.COORDINATOR}
    given = AuditEvent.objects.get(action=AuditAction.CREATE, details__via="provider_groups")
    assert given.details["is_active"] is True and given.area == area

    # A token without the claim changes nothing; one that no longer lists a group ends it.
    provider_sign_in(provider=provider, claims=claims("abc", f"sam@{DOMAIN}"))
    assert roles(user) == {Role.PRACTITIONER, Role.COORDINATOR}
    provider_sign_in(provider=provider, claims={**signed, "groups": ["all"]})
    assert roles(user) == {Role.PRACTITIONER}
    # In the group again: the same role record comes back, not a second one.
    provider_sign_in(provider=provider, claims=signed)
    assert roles(user) == {Role.PRACTITIONER, Role.COORDINATOR}
    assert user.memberships.filter(role=Role.COORDINATOR).count() == 1
    ended = AuditEvent.objects.filter(action=AuditAction.CHANGE, details__via="provider_groups")
    assert [e.details["is_active"] for e in ended.order_by("pk")] == [False, True]


def test_a_group_never_gives_a_role_in_another_agency(provider: IdentityProvider) -> None:
    area = provider.agency.areas.get()
    user = person(provider.agency, f"sam@{DOMAIN}")
    other = AgencyFactory.create(areas=[area])
    MembershipFactory.create(role=Role.COORDINATOR, area=area, agency=other, user=user)
    GroupRole.objects.create(provider=provider, area=area, role=Role.COORDINATOR, group="cse")
    IdentityProvider.objects.filter(pk=provider.pk).update(groups_claim="groups")
    provider.refresh_from_db()

    provider_sign_in(provider=provider, claims={**claims("abc", f"sam@{DOMAIN}"), "groups": []})

    # The other agency's coordinator role is not the provider's to end.
    assert user.memberships.get(agency=other, role=Role.COORDINATOR).is_active
