"""What the load test's phases share: a keep-alive HTTP client, latency percentiles, and the
body of a session log as the app sends it."""

import http.client
import json


class Client:
    """One patient's keep-alive HTTP connection, reconnecting after errors."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed in between: retry once on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            except Exception:
                self.close()
                raise
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, data, response
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def log_body(
    day: str,
    exercises: list[dict],
    *,
    pain_before: int = 3,
    pain_after: int = 2,
    symptom_change: str = "same",
    note: str = "load test",
) -> bytes:
    """What the app sends: the day's exercises done at their targets, and how it went."""
    return json.dumps(
        {
            "date": day,
            "pain_before": pain_before,
            "pain_after": pain_after,
            "symptom_change": symptom_change,
            "note": note,
            "exercises": [
                {
                    "plan_exercise": exercise["id"],
                    "done": True,
                    "reps": exercise.get("target_reps"),
                    "hold_seconds": exercise.get("target_hold_seconds"),
                    "hurt": False,
                }
                for exercise in exercises
            ],
        }
    ).encode()
