"""The site has its own icon: linked from every page, and /favicon.ico answers (browsers ask)."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon_without_logging_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".png")
    assert "favicon" in response["Location"]
    assert finders.find("favicon.png") and finders.find("favicon.svg")


def test_every_page_links_the_icon(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html and "favicon.png" in html
    assert 'rel="apple-touch-icon"' in html
