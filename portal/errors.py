"""How the portal tells a therapist what a service refused: on the form's fields, or as messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():  # kept as errors: their codes too
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def error_message(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def form_errors_message(request, form) -> None:
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)
