from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .services import password_reset_requested


class AuditedPasswordResetForm(PasswordResetForm):
    """Django's "forgot your password" form, with each link it mails on the login's audit trail.

    The page says the same whether or not an account uses the address (Django's view does), so
    the requester learns nothing; the trail records a request only for a login that exists.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].language):  # the login's language, not the asker's
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        password_reset_requested(user=context["user"])


class OwnEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        required=False,
        help_text=_(
            "We mail a link to it; open it while logged in to confirm. Until then password reset "
            "links go to your current address, which we tell of the change. Empty: remove your address."
        ),
    )


def language_choices() -> list[tuple[str, str]]:
    """Each language in its own words ("English", "Español"), so anyone finds theirs."""
    return [
        (code, translation.get_language_info(code)["name_local"].capitalize())
        for code, _label in settings.LANGUAGES
    ]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
