"""Factories for the tests: one place, plain defaults."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from surveys.models import Contact, Partnership


class PartnershipFactory(factory.django.DjangoModelFactory[Partnership]):
    class Meta:
        model = Partnership
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Partnership {o.acronym}")
    programme = "escp-4i"
    group = "strand-1"


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '.')}@example.org")


class StaffFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = "staff"
    email = "staff@example.org"
    is_staff = True
    is_superuser = True
    password = factory.django.Password("staff-password")


def days(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)
