"""factory-boy factories shared by the whole suite."""

from __future__ import annotations

from typing import Any

import factory

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from referrals.models import Referral, YoungPerson
from referrals.services import referral_create_draft, referral_submit

PASSWORD = "a-test-password-1"


class AreaFactory(factory.django.DjangoModelFactory[Area]):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Test Area {n}")
    ons_code = factory.Sequence(lambda n: f"E98{n:06d}")
    region = "North West"


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    agency_type = AgencyType.EDUCATION

    @factory.post_generation
    def areas(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.areas.add(*extracted)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PRACTITIONER
    area = factory.SubFactory(AreaFactory)
    agency = factory.SubFactory(AgencyFactory)


class YoungPersonFactory(factory.django.DjangoModelFactory[YoungPerson]):
    class Meta:
        model = YoungPerson

    area = factory.SubFactory(AreaFactory)
    given_name = factory.Sequence(lambda n: f"Synthetic{n}")
    family_name = "Person"


def member(role: Role, *, area: Area | None = None, agency: Agency | None = None) -> User:
    """A new user holding one active membership in `role` (national analysts hold no area)."""
    if role is Role.NATIONAL_ANALYST:
        return MembershipFactory.create(role=role, area=None, agency=None).user
    area = area or AreaFactory.create()
    agency = agency or AgencyFactory.create(areas=[area])
    return MembershipFactory.create(role=role, area=area, agency=agency).user


def raise_referral(practitioner: User, *, submit: bool = False, **person: Any) -> Referral:
    """A concern raised through the practitioner's membership (and submitted if asked)."""
    membership = Membership.objects.get(user=practitioner)
    referral = referral_create_draft(
        actor=practitioner,
        membership=membership,
        young_person=YoungPersonFactory.create(area=membership.area, **person),
        narrative="Synthetic concern.",
    )
    return referral_submit(referral=referral, actor=practitioner) if submit else referral


def sign_in(client: Any, user: User) -> None:
    """Sign `user` in on a Django or DRF test client as a completed sign-in would."""
    client.force_login(user)
