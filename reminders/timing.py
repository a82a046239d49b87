"""When a patient's reminder is due: pure functions of a local day, a wall-clock time and a zone."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta


def _wall(instant: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def due_at(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The first instant (UTC) at which the patient's clock reads `at` or later on `day`.

    A time repeated when the clocks go back is its first occurrence (so it fires once, the first
    time). A time that does not exist when the clocks go forward (02:30 in New York on the
    spring-forward day) is the next valid instant, the moment the clocks jump (03:00 local).
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    # In a gap: fold=1 reads the wall time with the offset after the jump (an earlier instant),
    # fold=0 with the offset before it (a later one). Between them the local clock only moves
    # forward; find the first second whose wall time is at or after the chosen time.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0) if _wall(high.replace(microsecond=0), zone) >= wall else high
