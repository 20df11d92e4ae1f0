"""factory-boy factories shared by the whole suite."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, AgencyType, Area, Membership, Role
from referrals.models import YoungPerson

PASSWORD = "a-test-password-1"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Test Area {n}")
    ons_code = factory.Sequence(lambda n: f"E98{n:06d}")
    region = "North West"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    agency_type = AgencyType.EDUCATION

    @factory.post_generation
    def areas(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.areas.add(*extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
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


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PRACTITIONER
    area = factory.SubFactory(AreaFactory)
    agency = factory.SubFactory(AgencyFactory)


class YoungPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YoungPerson

    area = factory.SubFactory(AreaFactory)
    given_name = factory.Sequence(lambda n: f"Synthetic{n}")
    family_name = "Person"


def member(role: Role, *, area: Area | None = None, agency: Agency | None = None) -> Any:
    """A new user holding one active membership in `role` (national analysts hold no area)."""
    if role is Role.NATIONAL_ANALYST:
        return MembershipFactory(role=role, area=None, agency=None).user
    area = area or AreaFactory()
    agency = agency or AgencyFactory(areas=[area])
    return MembershipFactory(role=role, area=area, agency=agency).user
