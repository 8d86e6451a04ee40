"""The API does what its OpenAPI says, fuzzed as ``st run --checks all`` would.

Every operation runs schemathesis's examples, coverage and fuzzing phases (50 generated
examples each) with every built-in check: no 5xx, no status or body the schema does not
describe, no schema-valid request refused, no invalid one accepted. The stateful test then
follows the links between operations (create, read, update, delete). Seeds are fixed so CI
sees the same cases on every run; see docs/security.md, "The API contract", for its size.
"""

import hashlib
import re

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import ApiKey as AccountsApiKey
from api.keys import api_key_check
from dashboard.wsgi import application

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 12,
        "generation": {
            # Unknown query parameters and body fields are ignored, as docs/api.md says.
            "allow-extra-parameters": False,
            # DRF refuses NUL in any text with a 400 naming the field.
            "allow-x00": False,
            # The key comes from ApiKey below; ignored_auth tries calls without it.
            "with-security-parameters": False,
        },
        # Replaced below by positive_data_acceptance_but_rules_beyond_the_schema.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/qsi/gather/openapi.json", application, config=CONFIG)

# Rules that a JSON schema cannot state, each refused with a 400 naming the field: a
# schema-valid request may break them. Any other refusal of a schema-valid request fails.
# field (or list, for any of its items) -> how its refusal begins ("" for any refusal).
RULES_BEYOND_THE_SCHEMA: dict[str, str | tuple[str, ...]] = {
    # A member of the key's team, a narrator of the team: not any UUID.
    "userId": "No member of this team",
    "narratorId": "No narrator of this team",
    # At least one of the two; Django's email validator is narrower than format: email.
    "email": ("Give an email or a phone", "Email is not a valid address"),
    "questionScript": "Write a script to be spoken, or upload a recording",
    # At least one criterion, each named, with a strong answer and a weight of 1 to 10: the
    # rubric service checks them all at once and names each criterion's field.
    "rubric": "",
    "preferredOption": "Only yes/no questions have a preferred answer",
    # Which fields a survey question takes depends on its type; option weights have at most
    # two decimal places, which a JSON number cannot promise.
    "options": "",
    "maxCharacterLength": "Only free-text questions",
    "selectAllForFullScore": "Only questions with several answers",
    # Django's URLValidator (http(s), a real host name) is narrower than format: uri.
    "url": "",
    "descriptionUrl": "",
    "audioURL": "",
    "audioUrl": "",
    "externalRedirectUri": "",
    # An invite: a time zone that zoneinfo knows; no SMS without consent; days or a date.
    "timezone": "Use an IANA time zone name",
    # (the message begins with the candidate's name: "… has not agreed to receive text messages")
    "smsOptIn": "",
    "expiryDays": "Give an expiry date or a number of days",
    # Bulk update: overwrite takes keywords only. Create: questions, or the two older lists;
    # knockouts only on survey questions.
    "removedKeywords": "Overwrite replaces the keywords",
    "questions": "",
    # A number that exists in its country's numbering plan.
    "phone": "",
}


@schemathesis.check
def positive_data_acceptance_but_rules_beyond_the_schema(ctx, response, case):
    """schemathesis's positive_data_acceptance, except a 400 whose every error is one of
    RULES_BEYOND_THE_SCHEMA, and the 422 for an Idempotency-Key already used with another
    body: like a 409, it answers the API's state (an earlier call), not this request's data."""
    if response.status_code == 422 and "Idempotency-Key" in response.json().get("detail", ""):
        return None
    if response.status_code == 400:
        errors = response.json().get("errors", [])
        fields = [(re.split(r"[.\[]", e["field"])[0], e["message"]) for e in errors]
        if fields and all(
            field in RULES_BEYOND_THE_SCHEMA and message.startswith(RULES_BEYOND_THE_SCHEMA[field])
            for field, message in fields
        ):
            return None
    return positive_data_acceptance(ctx, response, case)


FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight into the WSGI app: keep Django from closing the test's connection
    after each one (django.test.Client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Fixed, because schemathesis builds the coverage phase's cases at collection, with the key
# they will send; the fixture gives a fresh key of the test's team this value.
KEY = "pk_f0220f0220f0_schemathesis-fuzzes-the-api-with-this-key"


@schema.auth(refresh_interval=None)
class ApiKey:
    """The valid credentials, so schemathesis sends them and ignored_auth can check that a
    call without them, or with others, is refused."""

    def get(self, case, context):
        return KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "x-api-key": data}


@pytest.fixture(autouse=True)
def key(make_key, settings):
    # Hundreds of calls a minute on one key: the rate limit has its own tests.
    settings.API_RATE_LIMIT = 1_000_000
    made = AccountsApiKey.objects.get(prefix=make_key().split("_")[1])
    made.prefix = KEY.split("_")[1]
    made.secret_hash = hashlib.sha256(KEY.encode()).hexdigest()  # as api.keys stores it
    made.save(update_fields=["prefix", "secret_hash"])
    assert api_key_check(KEY) == made


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_it_answers_every_operation_as_documented(case):
    case.call_and_validate()


# The stateful phase follows links from what it created. A generated teamId or userId sends
# the next call to another team or person (a 404 or 400 by design, tried by the test above for
# every operation), which would read as "the resource just created is gone": these calls act
# as the key's own team and creator.
linked = schemathesis.openapi.from_wsgi("/qsi/gather/openapi.json", application, config=CONFIG)
linked.auth(refresh_interval=None)(ApiKey)
ACTING_AS = ("teamId", "userId")


@linked.hook
def map_body(context, body):
    if isinstance(body, dict):
        return {name: value for name, value in body.items() if name not in ACTING_AS}
    return body


@linked.hook
def map_query(context, query):
    return {name: value for name, value in (query or {}).items() if name not in ACTING_AS}


class LinkedCalls(linked.as_state_machine()):
    """Each scenario starts from the same database and cache: Hypothesis replays a failing
    scenario to report it, and a replay that met the rows (or the Idempotency-Key records) of
    earlier scenarios would take other links and fail as "inconsistent data generation",
    hiding the real failure."""

    def setup(self) -> None:
        cache.clear()
        self._savepoint = transaction.savepoint_create()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self._savepoint)
        cache.clear()
        super().teardown()


@pytest.mark.django_db
def test_it_answers_as_documented_across_linked_calls():
    LinkedCalls.run(settings=settings(FUZZ, stateful_step_count=10))
