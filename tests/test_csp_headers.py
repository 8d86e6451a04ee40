"""The Content-Security-Policy every response carries, and the one page that relaxes it."""

from django.urls import reverse


def test_pages_carry_a_strict_policy(client, db):
    header = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "default-src 'self'" in header
    assert "script-src 'self'" in header
    assert "style-src 'self'" in header
    assert "unsafe-inline" not in header
    assert "object-src 'none'" in header


def test_the_api_docs_come_from_this_site(client, db):
    response = client.get(reverse("api:docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "https://" not in html  # no CDN, no web fonts
    assert "/static/drf_spectacular_sidecar/redoc" in html
    header = response["Content-Security-Policy"]
    assert "script-src 'self'" in header
    assert "style-src 'self' 'unsafe-inline'" in header  # Redoc's own styles, on this page only
