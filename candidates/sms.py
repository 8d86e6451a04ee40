"""Text messages: a small provider interface, chosen by ``settings.SMS_PROVIDER``.

``console`` (the default) writes each message to the log and sends nothing, so a fresh install
works offline; such a delivery is recorded as "logged", never "sent". ``twilio`` posts to
Twilio's REST API with the standard library (no SDK). ``none`` sends nothing and says so.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("panelist.sms")


class SmsError(Exception):
    """A message was not sent. ``transient`` errors (timeouts, 429, 5xx) are worth a retry."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class SmsProvider(Protocol):
    name: str
    # False for a provider that only writes the message to a log: nothing reaches the phone.
    delivers: bool

    def send(self, *, to: str, body: str) -> str:
        """Send ``body`` to the E.164 number ``to``; return the provider's message id."""
        ...


class ConsoleSmsProvider:
    """Logs the message instead of sending it: for development and offline installs."""

    name = "console"
    delivers = False

    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:16]}"
        logger.info("SMS to %s (%s):\n%s", to, message_id, body)
        return message_id


class TwilioSmsProvider:
    """Twilio's Messages API: ``POST /2010-04-01/Accounts/{sid}/Messages.json``.

    Sends from ``messaging_service_sid`` when set (Twilio picks the number), else from
    ``from_number``. Twilio answers 201 with the message's ``sid``; errors carry a JSON body
    with ``code`` and ``message``.
    """

    name = "twilio"
    delivers = True

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        base_url: str = "https://api.twilio.com",
        timeout: float = 15,
    ) -> None:
        if not account_sid or not auth_token:
            raise ImproperlyConfigured("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
        if not from_number and not messaging_service_sid:
            raise ImproperlyConfigured(
                "Twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."
            )
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, *, to: str, body: str) -> str:
        fields = {"To": to, "Body": body}
        if self.messaging_service_sid:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        else:
            fields["From"] = self.from_number
        account = urllib.parse.quote(self.account_sid)
        url = f"{self.base_url}/2010-04-01/Accounts/{account}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is our configured Twilio base
            url,
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "Panelist",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = _json(response.read())
        except urllib.error.HTTPError as exc:
            detail = _json(exc.read())
            reason = detail.get("message") or exc.reason or "no reason given"
            code = f" (Twilio error {detail['code']})" if detail.get("code") else ""
            raise SmsError(
                f"Twilio answered HTTP {exc.code}: {reason}{code}",
                transient=exc.code == 429 or exc.code >= 500,
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsError(f"Could not reach Twilio: {reason}", transient=True) from exc
        message_id = payload.get("sid")
        if not isinstance(message_id, str) or not message_id:
            raise SmsError("Twilio's answer had no message sid.", transient=False)
        return message_id


class NoSmsProvider:
    """SMS_PROVIDER=none: this install sends no texts, and every attempt fails saying so."""

    name = "none"
    delivers = False

    def send(self, *, to: str, body: str) -> str:
        raise SmsError(
            "Not sent: this server sends no text messages (SMS_PROVIDER=none).", transient=False
        )


def _json(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def get_sms_provider() -> SmsProvider:
    """The provider ``settings.SMS_PROVIDER`` names."""
    name = getattr(settings, "SMS_PROVIDER", "console")
    if name == "console":
        return ConsoleSmsProvider()
    if name == "none":
        return NoSmsProvider()
    if name == "twilio":
        return TwilioSmsProvider(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
            base_url=settings.TWILIO_API_URL,
            timeout=settings.SMS_TIMEOUT,
        )
    raise ImproperlyConfigured(f"SMS_PROVIDER must be console, twilio or none, not {name!r}.")
