"""The site's Content-Security-Policy (``SECURE_CSP``) and the only two things a page may add.

- Candidate pages (runner, invite link, embed) may be framed by this site and
  ``EMBED_ALLOWED_ORIGINS``: they add ``frame-ancestors``.
- A page that plays a prompt the team hosts elsewhere (an audio question's ``audio_url``) may
  load media from that URL's origin, and from nowhere else.

Everything else of the site's policy (scripts, styles, forms, objects …) holds on every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.csp import CSP

if TYPE_CHECKING:
    from django.http import HttpResponse

# A host as URLField lets through, and nothing that could end a CSP source or directive.
_HOST = re.compile(r"^[a-z0-9.-]+$")


def media_origins(urls: Iterable[str]) -> list[str]:
    """The ``scheme://host[:port]`` of each http(s) URL, in order, once each."""
    origins: list[str] = []
    for url in urls:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            continue
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not _HOST.match(host):
            continue
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    return origins


def site_policy(
    *, frame_ancestors: Iterable[str] | None = None, media_urls: Iterable[str] = ()
) -> dict[str, Any]:
    """``SECURE_CSP`` plus ``frame-ancestors`` (``'self'`` and ``frame_ancestors``) and the
    origins of ``media_urls`` in ``media-src``."""
    config: dict[str, Any] = {
        name: list(values) if isinstance(values, list | tuple | set) else values
        for name, values in (settings.SECURE_CSP or {}).items()
    }
    media = config.get("media-src", config.get("default-src"))
    if (origins := media_origins(media_urls)) and media is not None:
        # Without media-src, media falls back to default-src: start from that, not from nothing.
        config["media-src"] = [*media, *(o for o in origins if o not in media)]
    if frame_ancestors is not None:
        config["frame-ancestors"] = [CSP.SELF, *frame_ancestors]
    return config


def use_policy(response: HttpResponse, config: dict[str, Any]) -> HttpResponse:
    """Send ``config`` as this response's policy."""
    # The CSP middleware builds the header from this attribute, as @csp_override sets it; a
    # header set by hand would skip the middleware and so lose the site's policy.
    response._csp_config = config  # type: ignore[attr-defined]
    return response


def candidate_page(response: HttpResponse, *, media_urls: Iterable[str] = ()) -> HttpResponse:
    """A candidate page: the site's policy, framable by this site and ``EMBED_ALLOWED_ORIGINS``
    (embedded interviews), never by every site."""
    response.xframe_options_exempt = True
    policy = site_policy(frame_ancestors=settings.EMBED_ALLOWED_ORIGINS, media_urls=media_urls)
    return use_policy(response, policy)
