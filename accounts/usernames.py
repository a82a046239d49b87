"""Usernames: stored NFKC-normalised, unique ignoring case, refused with one neutral message.

Every path that makes or renames a login uses these (patients.services.patient_create for the
portal and the API, the Django admin's forms): a full-width "ｔｈｅｒａｐｉｓｔ" is "therapist", and
a name held by anyone — in the asker's clinic or another — gets the same words.
"""

from django.contrib.auth import get_user_model
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# The same words whoever holds the name, so they tell nothing about another clinic's people.
USERNAME_TAKEN = _("That username is taken. Choose another.")


def username_normalize(username: str) -> str:
    """As Django's own forms and create_user store it: NFKC ("ｒｉｔａ" is "rita", the Kelvin sign a K)."""
    return get_user_model().normalize_username(username)


def username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another login already has `username`, compared as the database's unique constraint
    compares (lower-cased by the database: `iexact` upper-cases, and the two disagree on letters
    such as the Kelvin sign K, which would make the constraint's refusal a 500)."""
    logins = get_user_model().objects.alias(lowered=Lower("username")).filter(lowered=Lower(Value(username)))
    if exclude_pk is not None:
        logins = logins.exclude(pk=exclude_pk)
    return logins.exists()
