"""The caller's own API devices, and "log out everywhere". Thin: accounts.services decides.

A person only ever sees and ends their own devices: the list starts from
`DeviceToken.objects.visible_to(request.user)`, so another person's device id answers 404.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import DeviceToken
from accounts.services import EndReason, device_end, end_all_sessions

from . import serializers as s


@extend_schema_view(
    list=extend_schema(summary="List your API devices (name, created, last used, expires)", tags=["auth"]),
    destroy=extend_schema(summary="End one of your API devices", tags=["auth"]),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DeviceSerializer
    queryset = DeviceToken.objects.none()  # for the schema; get_queryset is what answers

    def get_queryset(self):
        return DeviceToken.objects.visible_to(self.request.user).live()

    def destroy(self, request, *args, **kwargs):
        try:
            device_end(user=request.user, device_id=int(kwargs["pk"]))
        except (DeviceToken.DoesNotExist, ValueError):
            raise NotFound() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogOutEverywhereView(APIView):
    """End every API token and web session of the caller, this one included."""

    @extend_schema(
        operation_id="auth_log_out_everywhere",
        summary="Log out everywhere: end all your API tokens and web sessions",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request):
        end_all_sessions(user=request.user, by=request.user, reason=EndReason.LOG_OUT_EVERYWHERE)
        return Response(status=status.HTTP_204_NO_CONTENT)
