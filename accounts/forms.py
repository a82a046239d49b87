from django.contrib.auth.forms import PasswordResetForm

from .services import password_reset_requested


class AuditedPasswordResetForm(PasswordResetForm):
    """Django's "forgot your password" form, with each link it mails on the login's audit trail.

    The page says the same whether or not an account uses the address (Django's view does), so
    the requester learns nothing; the trail records a request only for a login that exists.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        password_reset_requested(user=context["user"])
