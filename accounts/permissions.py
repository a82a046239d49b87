"""Role checks for pages. Which *objects* a person may see is decided by the models'
`visible_to(user)` / `changeable_by(user)` querysets; this only gates whole pages by role."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """Allow the view only to users with one of `roles`; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def therapist_required(view):
    return role_required("therapist")(view)


def patient_required(view):
    return role_required("patient")(view)


def reports_required(view):
    """Reports: a manager for their clinic, a therapist for their own caseload."""
    return role_required("manager", "therapist")(view)
