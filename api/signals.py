"""A deleted or replaced API token ends the logins kept for its user (accounts.login_cache)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from accounts.login_cache import login_changed


@receiver([post_save, post_delete], sender=Token)
def _token_changed(sender, instance: Token, **kwargs) -> None:
    login_changed(instance.user_id)
