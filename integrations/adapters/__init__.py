"""The adapter interface: how an ATS that calls Panelist as an assessment partner is plugged in.

An adapter is a module that builds one ``Adapter``: its ``kind`` (a ``Connector.Kind`` value),
how the ATS presents the connector's key (``credentials``), and its ``endpoints``, each a name,
an HTTP method and a handler. A handler gets a ``Call`` (the authenticated, enabled connector,
the query string and the parsed JSON body) and returns a ``Reply`` (a JSON-able body, the
status, and a note for the connector's log), or raises ``PartnerError`` for a refusal the ATS
should read. Handlers only translate: every write is a
service in ``integrations/services.py``.

``integrations/endpoints.py`` is the one view in front of every endpoint of every adapter: it
authenticates (401 with ``WWW-Authenticate`` for a missing or wrong key, 403 for a disabled
connector), parses JSON (400 naming the problem), calls the handler and logs every call on the
connector (``ConnectorRequest``). ``integrations/urls.py`` routes
``/integrations/<kind>/<endpoint name>`` for each adapter in ``ADAPTERS``, and the settings page
lists them, so nothing else changes for a new ATS.

Adding Ashby (the next adapter): add ``ASHBY = "ashby", "Ashby"`` to ``Connector.Kind`` (a
migration of the choices only), write ``integrations/adapters/ashby.py`` building
``ADAPTER = Adapter(kind="ashby", ...)`` with its endpoints translated onto the same services
(``connector_packages``, an ``ashby_send_test`` beside ``greenhouse_send_test`` sharing its
candidate + ``invite_create`` core, ``order_status``), give it a ``credentials`` function if
Ashby sends its key another way than HTTP Basic, and list it in ``ADAPTERS`` below.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, QueryDict

    from integrations.models import Connector

JSON = Any


class PartnerError(Exception):
    """A refusal the ATS reads: ``status`` (4xx) and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Call:
    connector: Connector
    query: QueryDict
    body: JSON  # the parsed JSON body; None for a GET or an empty body


@dataclass(frozen=True)
class Reply:
    body: JSON
    status: int = 200
    # Written to the call's log entry (what the ATS reported, say); never sent back.
    note: str = ""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str  # "GET" or "POST"
    handler: Callable[[Call], Reply]


def basic_auth_username(request: HttpRequest) -> str | None:
    """The user name of an HTTP Basic ``Authorization`` header (the key; the password is
    blank and ignored), or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, _, _password = decoded.partition(":")
    return username or None


@dataclass(frozen=True)
class Adapter:
    kind: str
    label: str
    endpoints: tuple[Endpoint, ...]
    # What the ATS must be given to call us, shown on the settings page.
    setup_note: str = ""
    credentials: Callable[[HttpRequest], str | None] = basic_auth_username
    # The realm of the 401's WWW-Authenticate header.
    realm: str = "Panelist"

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


def _registry() -> Mapping[str, Adapter]:
    from integrations.adapters import greenhouse

    return {a.kind: a for a in (greenhouse.ADAPTER,)}


ADAPTERS: Mapping[str, Adapter] = _registry()
