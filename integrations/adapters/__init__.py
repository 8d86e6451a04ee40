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

An adapter may also tell its ATS what happened to an order (``notify``): given the order and its
``OrderStatus`` it returns the call to make (a ``services.Push``) or None; ``notify_ready`` is
the condition an order must meet to be considered at all (Greenhouse: it gave a callback URL;
Ashby: the team set its Ashby API key). ``services.ats_orders_notify``, one beat task for every
adapter, makes the calls, logs them and retries failures. ``settings_form`` is a form for what
a team admin sets on the settings page (Ashby: where and with which key to tell it), and
``error_body`` the shape of a refusal the ATS reads.

Adding an ATS: add its kind to ``Connector.Kind`` (a migration of the choices only), write
``integrations/adapters/<kind>.py`` building ``ADAPTER`` with its endpoints translated onto the
same services (``connector_packages``, ``ats_order_create``, ``ats_order_cancel``,
``order_status``), give it a ``credentials`` function if the ATS sends its key another way than
HTTP Basic, and list it in ``ADAPTERS`` below.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django import forms
    from django.http import HttpRequest, QueryDict

    from integrations.models import AtsOrder, Connector
    from integrations.services import OrderStatus, Push

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


def text_field(data: dict[str, JSON], key: str, *, limit: int, required: bool, where: str) -> str:
    """``data[key]`` as stripped text (a number is taken as its digits), or a 400 naming
    ``where + key`` when it is required and absent, not text, or longer than ``limit``."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise PartnerError(400, f"{where}{key} is required.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PartnerError(400, f"{where}{key} must be a string.")
    text = str(value).strip()
    if required and not text:
        raise PartnerError(400, f"{where}{key} is required.")
    if len(text) > limit:
        raise PartnerError(400, f"{where}{key} is longer than {limit} characters.")
    return text


def object_field(data: JSON, key: str) -> dict[str, JSON]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PartnerError(400, f"{key} must be a JSON object.")
    return value


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
    # The JSON body of a refusal (status, message); Greenhouse reads {"error": …}.
    error_body: Callable[[int, str], JSON] = lambda _status, message: {"error": message}
    notify: Callable[[AtsOrder, OrderStatus], Push | None] | None = None
    notify_ready: Q = field(default_factory=Q)
    settings_form: type[forms.Form] | None = None

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


def _registry() -> Mapping[str, Adapter]:
    from integrations.adapters import ashby, greenhouse

    return {a.kind: a for a in (greenhouse.ADAPTER, ashby.ADAPTER)}


ADAPTERS: Mapping[str, Adapter] = _registry()
