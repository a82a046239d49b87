"""HTML to PDF with WeasyPrint, reading nothing from the network.

WeasyPrint needs the system libraries Pango and HarfBuzz (Debian: libpango-1.0-0,
libpangoft2-1.0-0, libharfbuzz0b, libfontconfig1; fonts from fonts-dejavu-core). Where they
cannot be loaded, `pdf_unavailable_reason()` says why and the views answer a clear 503 page
instead of failing.

Pictures and stylesheets the document names by URL are read from this server's own files:
static files (collected or found by the finders) and uploaded media (default storage).
Any other URL is refused, so rendering never waits on, or leaks anything to, another host.
"""

import mimetypes
from functools import cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs cannot be loaded on this server."""


@cache  # whether a library loads never changes while the process lives
def pdf_unavailable_reason() -> str | None:
    """None when PDFs can be made here; otherwise why not (for logs, tests and operators)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: Pango/HarfBuzz cannot be loaded
        return f"WeasyPrint cannot be loaded: {error}"
    return None


def _url_path(setting: str) -> str:
    prefix = urlsplit(setting).path
    return prefix if prefix.startswith("/") else "/" + prefix


def _static_file(name: str) -> str | None:
    """The path of a static file, collected (hashed names in production) or from the finders."""
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (NotImplementedError, SuspiciousFileOperation):
        pass
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return found if isinstance(found, str) else None


def local_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesFetcher(URLFetcher):
        """Serves static and media URLs of `base_url`'s host from local files; refuses the rest."""

        def __init__(self, *, base_url: str):
            super().__init__(allowed_protocols=())
            self._host = urlsplit(base_url).netloc

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc == self._host:
                path = unquote(parts.path)
                static_prefix, media_prefix = _url_path(settings.STATIC_URL), _url_path(settings.MEDIA_URL)
                if path.startswith(static_prefix):
                    found = _static_file(path.removeprefix(static_prefix))
                    if found:
                        with open(found, "rb") as file:
                            return self._response(url, file.read(), found)
                elif path.startswith(media_prefix):
                    name = path.removeprefix(media_prefix)
                    try:
                        with default_storage.open(name, "rb") as file:
                            return self._response(url, file.read(), name)
                    except (OSError, SuspiciousFileOperation):
                        pass
            raise ValueError(f"Not a file of this server: {url}")

        @staticmethod
        def _response(url: str, body: bytes, name: str):
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return LocalFilesFetcher


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """The PDF of `html`; relative URLs resolve against `base_url` (this site's root).

    Raises PdfUnavailable when WeasyPrint cannot be loaded on this server.
    """
    reason = pdf_unavailable_reason()
    if reason:
        raise PdfUnavailable(reason)
    from weasyprint import HTML

    fetcher = local_fetcher_class()(base_url=base_url)
    # Tagged, so a screen reader reads it in order, pictures by their alt text.
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(pdf_tags=True)
