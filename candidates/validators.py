import phonenumbers
from django.core.exceptions import ValidationError


def normalize_e164(value: str) -> str:
    """``value`` as an E.164 number (``+14155550123``), or a ValidationError that says why."""
    raw = value.strip()
    if not raw:
        return ""
    # phonenumbers reads letters as a keypad (vanity numbers), so a typed O for 0 would
    # silently become 6: a different, valid number.
    if any(c.isalpha() for c in raw):
        raise ValidationError(
            "A phone number cannot contain letters; use digits only, e.g. +14155550123.",
            code="e164_letters",
        )
    if not raw.startswith("+"):
        raise ValidationError(
            "Enter the phone number in international E.164 form, starting with + and the "
            "country code, e.g. +14155550123.",
            code="e164_prefix",
        )
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"This is not a phone number ({exc}).", code="e164_parse") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "This number is not valid for its country code; check the digits.", code="e164_invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value and normalize_e164(value) != value:
        raise ValidationError(
            "Store phone numbers in E.164 form without spaces, e.g. +14155550123.", code="e164_form"
        )
