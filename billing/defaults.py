"""The RTM codes as of 2026 (CPT), loaded by migration 0002 and by `manage.py load_billing_codes`.

A clinic's site operator changes them in the Django admin when the rules change; loading the
defaults again only adds missing codes, it never overwrites an edited one.
"""

DEFAULT_CODES = (
    {
        "code": "98975",
        "kind": "setup",
        "description": "RTM initial set-up and patient education on use of equipment",
        "min_days": 2,
    },
    {
        "code": "98985",
        "kind": "days",
        "description": "RTM device supply, 2–15 days of data in a 30-day period (musculoskeletal)",
        "min_days": 2,
        "max_days": 15,
        "period_days": 30,
    },
    {
        "code": "98977",
        "kind": "days",
        "description": "RTM device supply, 16–30 days of data in a 30-day period (musculoskeletal)",
        "min_days": 16,
        "max_days": 30,
        "period_days": 30,
    },
    {
        "code": "98979",
        "kind": "management",
        "description": "RTM treatment management, first 10 minutes in a calendar month",
        "minutes": 10,
        "needs_interaction": True,
    },
    {
        "code": "98980",
        "kind": "management",
        "description": "RTM treatment management, first 20 minutes in a calendar month",
        "minutes": 20,
        "needs_interaction": True,
    },
    {
        "code": "98981",
        "kind": "addon",
        "description": "RTM treatment management, each further 20 minutes in the month",
        "minutes": 20,
        "needs_interaction": True,
    },
)


def codes_load(model) -> int:
    """Add the default codes missing from `model`'s table (a historical model in a migration);
    returns how many were added."""
    added = 0
    for row in DEFAULT_CODES:
        _code, created = model.objects.get_or_create(code=row["code"], defaults=row)
        added += created
    return added
