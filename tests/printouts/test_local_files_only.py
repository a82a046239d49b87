"""Making a PDF reads this server's own files and never the network."""

import pytest

from printouts.pdf import local_fetcher_class

BASE = "http://testserver/"


@pytest.fixture
def fetcher(pdf_required):
    return local_fetcher_class()(base_url=BASE)


def test_a_shipped_drawing_is_read_from_the_static_files(fetcher):
    response = fetcher.fetch(BASE + "static/exercises/illustrations/bridge-start.svg")

    assert response.content_type == "image/svg+xml"
    assert response.read().lstrip().startswith(b"<svg")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/picture.png",  # another host
        "http://other.invalid/static/exercises/illustrations/bridge-start.svg",  # same path, other host
        BASE + "static/../../../etc/passwd",  # out of the static files
        BASE + "static/no-such-file.svg",
        BASE + "portal/",  # a page of the site, not a file
        "file:///etc/passwd",
    ],
)
def test_anything_else_is_refused_without_a_request(fetcher, url, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF fetcher tried the network")

    monkeypatch.setattr(socket, "create_connection", no_network)

    with pytest.raises(ValueError):
        fetcher.fetch(url)
