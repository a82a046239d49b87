from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from accounts.middleware import activate_user_language
from accounts.models import DeviceToken
from accounts.services import device_token_used


class UserTokenAuthentication(TokenAuthentication):
    """django-rest-knox's per-device tokens (`Authorization: Token <token>`), reading the user's
    clinic and patient record with the token (one query for what every patient endpoint starts
    from; see patients.selectors.patient_of_user). Read on every request: an ended or expired token
    or a deactivated user is refused at once. Each use renews the token's expiry
    (accounts.services.device_token_used)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:  # the answer in the person's own language, as the pages are
            activate_user_language(request, result[0])
        return result

    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        try:
            token = token.decode("utf-8")
            digest = hash_token(token)
        except (UnicodeDecodeError, TypeError, ValueError):
            raise exceptions.AuthenticationFailed(msg) from None
        candidates = DeviceToken.objects.select_related("user__clinic", "user__patient").filter(
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
        )
        for device in candidates:
            if not compare_digest(digest, device.digest):
                continue
            if device.expiry is not None and device.expiry <= timezone.now():
                device.delete()
                raise exceptions.AuthenticationFailed(_("This token has expired. Log in again."))
            if not device.user.is_active:
                raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
            device_token_used(device=device)
            return (device.user, device)
        raise exceptions.AuthenticationFailed(msg)


class UserTokenScheme(OpenApiAuthenticationExtension):
    """The schema's name for the token (`tokenAuth`, as before django-rest-knox): `Authorization:
    Token <token>`, from POST /api/v1/auth/token/."""

    target_class = UserTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
