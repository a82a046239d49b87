"""What several apps' forms share."""

import uuid

from django import forms


class SubmittedOnceForm(forms.Form):
    """A form whose row must not be stored twice when the form is sent twice (a double click, a
    page sent again after a slow answer). It carries a key made when the form is shown; the
    service stores the key with the row (a unique column, backcare.models.submission_key) and,
    sent again, finds the row it stored the first time instead of making another."""

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4())
