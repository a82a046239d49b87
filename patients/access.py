"""The services' one way to reach the object they change: through the models' access layer.

A view, a command or a test hands a service an object; the service does not trust it. It
reads the object again through `changeable_by(by)` (patients/models.py), inside its own
transaction and, where it changes state, under the row lock. An object outside the acting
user's scope (another therapist's patient, another clinic's, or any object at all for a
manager or a patient) raises `OutOfScope`: the same refusal whoever asks.
"""

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


class OutOfScope(ValidationError):
    """The acting user may not change this object."""

    def __init__(self):
        super().__init__(_("Only the patient's own therapist can do this."), code="out_of_scope")


def changeable(model: type[M], pk: int, *, by, lock: bool, related: tuple[str, ...] = ()) -> M:
    """The `model` row `pk` as `by` may change it, read again now; OutOfScope if it is not theirs.

    Callers state with `lock` (no default) whether they hold the row lock until their
    transaction ends, as services that check a state and then change it must.
    """
    queryset = model._default_manager.changeable_by(by)
    if lock:
        queryset = queryset.select_for_update()
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=pk)
    except model.DoesNotExist:
        raise OutOfScope from None
