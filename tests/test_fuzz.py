"""Schemathesis against our own OpenAPI, signed in as a fresh user, on both database backends.

This runs Schemathesis' engine in-process, as `st run` would: every phase (explicit examples, the
coverage phase's boundary and invalid values, random valid and invalid data, stateful sequences that
follow `Location` headers) over every operation the app documents, with every default check: no 5xx,
status codes, headers, content types and bodies as documented, invalid data refused, valid data
accepted, authentication not ignored. A response the fuzzer finds undocumented is declared in the
route's `responses=`, never silenced here.

Deterministic: a fixed seed, no Hypothesis example database, a bounded number of examples per
operation. `POST /chatkit` is fuzzed too, within what its OpenAPI says (a `type` and free-form
`params`); tests/security/test_bad_input.py sends the streaming endpoints the broken bodies a schema
cannot describe.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as engine_from_schema
from schemathesis.python import asgi as schemathesis_asgi

from taskagent.app import create_app
from taskagent.auth.passwords import PasswordHasher
from taskagent.resources import app_resources
from tests.auth.conftest import FAST_ARGON2
from tests.conftest import DEFAULT_PASSWORD, build_settings

SEED = 20261121
MAX_EXAMPLES = 25
STATEFUL_EXAMPLES = 10  # sequences of up to 10 calls that follow Location headers

# What Schemathesis counts as accepting schema-valid data, by default.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# Documented refusals of data that the JSON Schema cannot rule out, by operation. Each is a rule the
# schema has no keyword for; anything else a schema-valid request gets refused with is a failure.
SEMANTIC_REFUSALS: dict[tuple[str, str], list[str]] = {
    # email-validator refuses special-use domains (`.test`) and the like that `format: email` allows
    ("POST", "/users/signup"): ["422"],
    # a time zone must be an IANA name
    ("PATCH", "/users/me"): ["422"],
    # parent_id must name one of your tasks (and not a subtask of itself); dates between 1900 and 9998
    ("POST", "/tasks"): ["422"],
    # the cursor must come from a Link header; dates between 1900 and 9998
    ("GET", "/tasks"): ["422"],
    # an If-Match that is not the task's current ETag (412); parent and dates as above (422)
    ("PUT", "/tasks/{task_id}"): ["412", "422"],
    ("PATCH", "/tasks/{task_id}"): ["412", "422"],
    ("DELETE", "/tasks/{task_id}"): ["412"],
    # quick add: blank text, a title over 200 characters once the fields are read, a field a task cannot hold
    ("POST", "/tasks/parse"): ["422"],
    # the query comes in the body or as ?query=; the schema cannot say "one of the two"; `specialist` must
    # name one of the configured specialists (the service's file, not the schema, says which)
    ("POST", "/tasks/{task_id}/help"): ["422"],
    # the OpenAPI gives a ChatKit request's `type` and leaves `params` free-form: the SDK's models decide
    # (422), and so does what this server offers (400: attachments, widgets, dictation)
    ("POST", "/chatkit"): ["400", "422"],
    # the current password must be the account's (a field error, like any other wrong field)
    ("POST", "/users/me/password"): ["422"],
    ("DELETE", "/users/me"): ["422"],
    # a file's content beyond its JSON Schema: parent links to ids in the file, no cycles, a CSV that is a
    # Todoist export, the format named matching the body sent
    ("POST", "/users/me/import"): ["422"],
    # a webhook's URL must be http(s) and, unless WEBHOOK_ALLOW_PRIVATE, on a public address (SSRF)
    ("POST", "/webhooks"): ["422"],
}


@pytest.fixture
def fuzz_app(database_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    # Limits high enough that the fuzzer reaches validation and the handlers, not only 429s; the
    # limits themselves are tested in tests/test_ratelimit*.py and tests/faults/.
    app = create_app(
        build_settings(
            database_url,
            tmp_path / "data",
            token_rate_limit=100_000,
            agent_rate_limit=100_000,
        )
    )
    yield app
    # Schemathesis started the lifespan on its own event loop; stop it there (closes the pool).
    schemathesis_asgi.shutdown_lifespans()


def _sign_in(app: FastAPI) -> dict[str, str]:
    # Cheap Argon2id parameters (as tests/auth/conftest.py): real ones cost most of the run in hashing.
    app_resources(app).password_hasher = PasswordHasher(4, FAST_ARGON2)
    client = schemathesis_asgi.get_client(app)  # type: ignore[arg-type]  # FastAPI is an ASGI app
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    signup = client.post("/users/signup", json={"email": email, "password": DEFAULT_PASSWORD})
    assert signup.status_code == 201, signup.text
    token = client.post("/token", data={"username": email, "password": DEFAULT_PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for index in range(3):  # so that generated ids sometimes name a real task
        created = client.post("/tasks", json={"title": f"Fuzz seed {index}"}, headers=headers)
        assert created.status_code == 201, created.text
    return headers


def _describe(event: events.ScenarioFinished) -> list[str]:
    lines: list[str] = []
    for case_id, checks in event.recorder.checks.items():
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                response = event.recorder.find_response(case_id=failure.case_id or case_id)
                answer = f"{response.status_code} {response.text[:300]}" if response is not None else "-"
                lines.append(
                    f"[{event.phase.value}] {event.label}: {check.name}: {failure.title}\n"
                    f"    {failure.message}\n    {check.failure_info.code_sample}\n    -> {answer}"
                )
    return lines


def test_api_conforms_to_its_openapi(fuzz_app: FastAPI) -> None:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},  # no .schemathesis/ folder in the working tree
            "max-failures": 50,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"stateful": {"max-steps": 10, "generation": {"max-examples": STATEFUL_EXAMPLES}}},
            "operations": [
                {
                    "include-name": f"{method} {path}",
                    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *statuses]}},
                }
                for (method, path), statuses in SEMANTIC_REFUSALS.items()
            ],
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=config)
    schema.config.update(headers=_sign_in(fuzz_app))

    failures: list[str] = []
    errors: list[str] = []
    tested: set[str] = set()
    for event in engine_from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if event.label and event.status != Status.SKIP:
                tested.add(event.label)
            if event.status == Status.FAILURE:
                failures.extend(_describe(event))
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception

    documented = {
        f"{method.upper()} {path}"
        for path, operations in fuzz_app.openapi()["paths"].items()
        for method in operations
    }
    assert not errors, "\n".join(errors)
    assert not failures, f"{len(failures)} failed checks:\n" + "\n".join(dict.fromkeys(failures))
    assert documented <= tested, f"operations never exercised: {sorted(documented - tested)}"
