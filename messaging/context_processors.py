from .selectors import unread_for_patient_login


def unread_messages(request) -> dict:
    """`unread_messages_count` for the patient's menu: counted only when a page shows the menu
    to a patient (a callable, so other pages and roles cost no query)."""

    def count() -> int:
        user = request.user
        return unread_for_patient_login(user=user) if getattr(user, "is_patient", False) else 0

    return {"unread_messages_count": count}
