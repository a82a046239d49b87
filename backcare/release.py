"""A fingerprint of the code that renders pages, so that nothing cached outlives a release.

Pages kept in the shared cache (patients.page_cache) are stamped with it: after an upgrade the
new code renders afresh instead of serving HTML the old templates made. It covers the project's
Python files and templates, the pinned requirements and the static files manifest (whose hashed
names the pages link to). Computed once per process.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

PROJECT_DIRS = [
    "accounts",
    "api",
    "audit",
    "backcare",
    "exercises",
    "patients",
    "portal",
    "reports",
    "templates",
]


@functools.cache
def release_fingerprint() -> str:
    digest = hashlib.sha256()
    base = settings.BASE_DIR
    files = [base / "requirements.txt"]
    for name in PROJECT_DIRS:
        files += sorted(path for path in (base / name).rglob("*") if path.suffix in {".py", ".html", ".txt"})
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    return digest.hexdigest()[:16]
