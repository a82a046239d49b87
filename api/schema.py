"""OpenAPI generation: every operation also documents the errors it can answer with.

drf-spectacular describes the success responses from the serializers; the error responses
come from DRF itself (authentication, roles, not found, throttling, validation), so they are
added here once, from what the view declares, instead of on every endpoint by hand.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": str(
        _(
            "Field name → list of messages (nested for lists and objects); "
            "messages about the request as a whole are under non_field_errors."
        )
    ),
    "additionalProperties": {},
}


class AutoSchema(SpectacularAutoSchema):
    def _requires_auth(self) -> bool:
        return not all(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        errors = {}
        has_filters = method == "GET" and getattr(self.view, "filterset_class", None) is not None
        if method in {"POST", "PUT", "PATCH"} or has_filters:
            errors["400"] = VALIDATION_ERROR_SCHEMA
        if self._requires_auth():
            errors["401"] = ErrorSerializer
            errors["403"] = ErrorSerializer
        paginated = (
            method == "GET"
            and self._is_list_view()
            and getattr(self.view, "pagination_class", None) is not None
        )
        if "{" in self.path or paginated:
            errors["404"] = ErrorSerializer
        if getattr(self.view, "throttle_classes", None):
            errors["429"] = ErrorSerializer
        for code, schema in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(schema, code, direction=direction)
        return responses
