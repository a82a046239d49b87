"""Errors in the API's usual shape.

The services raise django.core.exceptions.ValidationError (a dict of field → messages where
a field applies); here it becomes DRF's 400 with the same field-level messages, so views
never translate errors one by one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    return drf_exception_handler(exc, context)
