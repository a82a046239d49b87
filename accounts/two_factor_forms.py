from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app (6 digits) or, where `recovery` is allowed, a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, recovery: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if recovery:
            self.fields["code"].label = _("6-digit code from your authenticator app, or a recovery code")
        else:
            self.fields["code"].label = _("6-digit code from your authenticator app")
            self.fields["code"].widget.attrs["inputmode"] = "numeric"


class ClinicTwoFactorForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor login for the clinic's therapists and managers"),
        required=False,
        help_text=_(
            "Everyone without an authenticator app is asked to set one up at their next page, and can "
            "reach nothing else until it is done. Patients are never asked."
        ),
    )
    managers_read_messages = forms.BooleanField(
        label=_("Let the clinic's managers read the messages between patients and their therapists"),
        required=False,
        help_text=_(
            "Off: only the patient and their therapist read their messages. On: managers may read "
            "them too (never write). Every change is in the audit trail."
        ),
    )
