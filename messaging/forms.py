from django import forms
from django.utils.translation import gettext_lazy as _

from backcare.forms import SubmittedOnceForm

from .models import MESSAGE_MAX_LENGTH
from .services import message_body_clean


class MessageForm(SubmittedOnceForm):
    body = forms.CharField(
        label=_("Your message"),
        required=False,  # the service's rule says what is missing, in the same words everywhere
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=_("Up to %(limit)s characters. For anything urgent, call the clinic.")
        % {"limit": MESSAGE_MAX_LENGTH},
    )

    def clean_body(self) -> str:
        return message_body_clean(self.cleaned_data.get("body"))
