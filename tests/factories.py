"""factory_boy factories for the clinic's people and plans."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from accounts.models import Clinic
from patients.models import Patient

User = get_user_model()
PASSWORD = "backcare-test-pw"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    clinic = factory.SubFactory(ClinicFactory)
    role = User.Role.THERAPIST
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 (factory_boy hook)
        if create:
            obj.save()


class TherapistFactory(UserFactory):
    role = User.Role.THERAPIST


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    therapist = factory.SubFactory(TherapistFactory)
    clinic = factory.LazyAttribute(lambda p: p.therapist.clinic)
    user = factory.SubFactory(
        UserFactory,
        role=User.Role.PATIENT,
        clinic=factory.SelfAttribute("..clinic"),
    )
    timezone = factory.LazyAttribute(lambda p: p.clinic.timezone)
    baseline_pain = 4


def days_ago(n: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=n)
