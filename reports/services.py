"""Writes that reports cause: an export of clinic data (a CSV file, or a report read through the
API) is recorded in the audit trail."""

from datetime import date

from audit.models import AuditEvent


def report_export_record(*, by, export: str, start: date, end: date, therapist=None) -> AuditEvent:
    """Who exported which report data, for which range, and when."""
    return AuditEvent.record(
        actor=by,
        action="report.exported",
        target=by.clinic,
        clinic=by.clinic,
        summary=f"{export} {start.isoformat()}–{end.isoformat()}",
        data={
            "export": export,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "therapist": therapist.pk if therapist else None,
        },
    )
