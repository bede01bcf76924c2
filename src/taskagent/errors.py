"""Errors that carry their HTTP meaning, the one handler that answers them, and their OpenAPI description.

Code below a route raises a `DomainError` (`TaskNotFoundError` is a `NotFound`, `RateLimited` carries its
`Retry-After`); routes do not catch and translate. `handle_error` answers every error the same way:

    {"detail": "Task 12 not found"}                                       any status but 422
    {"detail": [{"loc": ["body", "title"], "msg": "...", "type": "..."}]}   422

A 422 never echoes what was sent (no `input`, no `ctx`: passwords and megabytes stayed in the answer),
and its problems are bounded in number and length. Routes declare what they may answer with
`error_responses(...)`; every body refers to the two schemas `document_errors` adds to the OpenAPI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)

# --- the bodies ----------------------------------------------------------------------------------------


class ErrorResponse(BaseModel):
    """The body of every error but 422: what went wrong, for a person to read."""

    detail: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    """The body of a 422: each problem, where it is (`["body", "title"]`, `["query", "cursor"]`) and what."""

    detail: list[ValidationIssue]


# How much of a refused request a 422 describes: a few problems, short texts.
MAX_ISSUES = 10
MAX_LOC_PARTS = 8
MAX_LOC_TEXT = 64
MAX_MESSAGE = 300


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue(loc: Sequence[Any], msg: str, type_: str = "value_error") -> dict[str, Any]:
    """One problem as a 422 shows it: where (clipped: a key of the request may be any size), what, which."""
    parts = [
        part if isinstance(part, int) else _clip(str(part), MAX_LOC_TEXT) for part in loc[:MAX_LOC_PARTS]
    ]
    return {"loc": parts, "msg": _clip(msg, MAX_MESSAGE), "type": _clip(type_, MAX_LOC_TEXT)}


# --- the errors ----------------------------------------------------------------------------------------


class DomainError(Exception):
    """An error with an HTTP meaning. Subclasses set the status and what the OpenAPI says of it."""

    status_code: int = 400
    description: ClassVar[str] = "The request cannot be served"
    # The headers the response carries, as the OpenAPI documents them.
    documented_headers: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail}


class BadRequest(DomainError):
    status_code = 400
    description = "The request body could not be read"


class Unauthorized(DomainError):
    status_code = 401
    description = "Missing, invalid or expired token (or session cookie)"
    documented_headers = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}

    def __init__(self, detail: str = "Not authenticated", *, challenge: str = "Bearer") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(DomainError):
    status_code = 403
    description = "Signed in by session cookie without the matching `X-CSRF-Token` header"


class NotFound(DomainError):
    status_code = 404
    description = "Not found (also what another user's resource answers)"


class Conflict(DomainError):
    status_code = 409
    description = "The request conflicts with the resource's current state"


class PreconditionFailed(DomainError):
    status_code = 412
    description = "If-Match does not match the resource's current ETag"


class PayloadTooLarge(DomainError):
    status_code = 413
    description = "The request body is larger than this operation accepts"


class InvalidRequest(DomainError):
    """A 422 found by the code rather than by the request's schema; the same body as a schema's."""

    status_code = 422
    description = "The request is invalid"

    def __init__(self, issues: Iterable[dict[str, Any]]) -> None:
        self.issues = list(issues)[:MAX_ISSUES]
        super().__init__(self.issues[0]["msg"] if self.issues else "Invalid request")

    @classmethod
    def at(cls, loc: Sequence[str | int], msg: str, type_: str = "value_error") -> InvalidRequest:
        return cls([issue(loc, msg, type_)])

    def body(self) -> dict[str, Any]:
        return {"detail": self.issues}


class RateLimited(DomainError):
    status_code = 429
    description = "Too many requests; see Retry-After"
    # Every answer under a limit carries these (ratelimit.RateLimitHeadersMiddleware); a 429 too.
    documented_headers = {
        name: {"schema": {"type": kind}, "description": description}
        for name, kind, description in (
            ("RateLimit-Policy", "string", 'IETF draft: "agent";q=10;w=60'),
            ("RateLimit", "string", 'IETF draft: "agent";r=0;t=42'),
            ("X-RateLimit-Limit", "string", "Requests allowed per window"),
            ("X-RateLimit-Remaining", "string", "Requests left in the window"),
            ("X-RateLimit-Reset", "string", "When a request frees up (epoch seconds)"),
            ("Retry-After", "integer", "Seconds to wait"),
        )
    }


class ServiceUnavailable(DomainError):
    status_code = 503
    description = "The database is unreachable; retry shortly"


# --- the handler ---------------------------------------------------------------------------------------

# SQLSTATE classes and codes that mean "no database to talk to right now" rather than a bad statement:
# connection exceptions, too many connections, admin shutdown / cannot connect now, not accepting connections.
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P", "55000")
DATABASE_RETRY_AFTER_SECONDS = 5
# What the handler answers: register it for each (`install_error_handler`).
HANDLED: tuple[type[Exception], ...] = (
    DomainError,
    HTTPException,
    RequestValidationError,
    DBAPIError,
    PoolTimeoutError,
    ConnectionError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database cannot be reached, as in a restart or fail-over."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 10 and current not in seen:
        seen.append(current)
        if isinstance(current, PoolTimeoutError | ConnectionError | TimeoutError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        current = current.__cause__ or current.__context__
    return False


class ErrorJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a location may hold a key of the request with a lone surrogate (valid
    JSON, `"\\ud800"`) that UTF-8 cannot encode; the default response would fail with a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


def as_domain_error(request: Request, exc: Exception) -> DomainError | None:
    """What `exc` means over HTTP; None for a failure that is a bug (a 500)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, RequestValidationError):
        return InvalidRequest(issue(e["loc"], str(e["msg"]), str(e["type"])) for e in exc.errors())
    if isinstance(exc, HTTPException):  # from Starlette and FastAPI: no route (404), 405, an unreadable body
        error = DomainError(str(exc.detail), headers=exc.headers)
        error.status_code = exc.status_code
        return error
    if database_unavailable(exc):
        logger.warning("Database unreachable during %s %s: %s", request.method, request.url.path, exc)
        return ServiceUnavailable(
            "The database is unreachable; retry shortly",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    return None


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one exception handler: every error answered in the same shape."""
    error = as_domain_error(request, exc)
    if error is None:
        raise exc
    if not is_body_allowed_for_status_code(error.status_code):
        return Response(status_code=error.status_code, headers=error.headers)
    return ErrorJSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


def install_error_handler(app: FastAPI) -> None:
    for kind in HANDLED:
        app.add_exception_handler(kind, handle_error)
    document_errors(app)


# --- the OpenAPI -----------------------------------------------------------------------------------------

Responses = dict[int | str, dict[str, Any]]
_SCHEMAS = "#/components/schemas/"
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"{_SCHEMAS}ErrorResponse"}}}
_VALIDATION_CONTENT = {"application/json": {"schema": {"$ref": f"{_SCHEMAS}ValidationErrorResponse"}}}


def error_responses(*errors: type[DomainError], **descriptions: str) -> Responses:
    """The `responses=` of a route that may answer `errors`: always JSON, whatever the route's own media
    type. `descriptions` say more than the class does, by name: `not_found="No such task"`,
    `invalid_request="..."` (a route with parameters that lists no `InvalidRequest` gets FastAPI's 422,
    pointed at our schema by `document_errors`)."""
    responses: Responses = {}
    names = {_name(error): error for error in errors}
    unknown = set(descriptions) - set(names)
    if unknown:
        raise ValueError(f"descriptions for errors the route does not list: {sorted(unknown)}")
    for name, error in names.items():
        response: dict[str, Any] = {
            "description": descriptions.get(name, error.description),
            "content": _VALIDATION_CONTENT if error.status_code == 422 else _ERROR_CONTENT,
        }
        if error.documented_headers:
            response["headers"] = error.documented_headers
        responses[error.status_code] = response
    return responses


def _name(error: type[DomainError]) -> str:
    """`NotFound` -> `not_found`."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in error.__name__).lstrip("_")


def document_errors(app: FastAPI) -> None:
    """Make the app's OpenAPI describe errors as they are answered: the two error schemas, and the 422 that
    FastAPI adds to every operation with parameters pointed at ours (its own lists `input` and `ctx`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schemas: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ValidationErrorResponse" in schemas:
            return schema  # FastAPI keeps the document it made: this ran on it already
        _, definitions = models_json_schema(
            [(ErrorResponse, "serialization"), (ValidationErrorResponse, "serialization")],
            ref_template=_SCHEMAS + "{model}",
        )
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas.update(definitions["$defs"])
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                invalid = operation.get("responses", {}).get("422")
                if invalid is not None and "HTTPValidationError" in json.dumps(invalid):
                    invalid["content"] = _VALIDATION_CONTENT
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
