"""Keep the per-process copies of logged-in users (accounts.login_cache) in step with writes."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .login_cache import all_logins_changed, login_changed
from .models import Clinic, User


@receiver([post_save, post_delete], sender=User)
def _user_changed(sender, instance: User, **kwargs) -> None:
    login_changed(instance.pk)


@receiver([post_save, post_delete], sender=Clinic)
def _clinic_changed(sender, instance: Clinic, **kwargs) -> None:
    all_logins_changed()


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _permissions_changed(sender, instance, **kwargs) -> None:
    # Admin permissions, changed from the user's side or from a group's or permission's side.
    if isinstance(instance, User):
        login_changed(instance.pk)
    else:
        all_logins_changed()
