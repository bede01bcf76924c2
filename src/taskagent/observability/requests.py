"""The request middleware: a request id (also sent back as `X-Request-ID`), one JSON log line, and the
request metrics, for every HTTP request, whichever part of the app answers it.

Pure ASGI, and cheap on purpose: response bodies pass straight through (a streamed answer pays one type
check a chunk), and the bookkeeping runs once, after the response.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi.routing import iter_route_contexts
from opentelemetry import trace as otel_trace
from starlette.requests import cookie_parser
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskagent.auth.dependencies import SESSION_COOKIE
from taskagent.observability.metrics import Metrics
from taskagent.observability.request_log import REQUEST_LOGGER, request_id_var
from taskagent.observability.tracing import REQUEST_ID_ATTRIBUTE, current_trace_id
from taskagent.ratelimit import SCOPE_KEY as RATE_LIMIT_SCOPE_KEY
from taskagent.ratelimit import Outcome
from taskagent.resources import running_resources

logger = logging.getLogger(REQUEST_LOGGER)

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is kept when it is short and made of characters safe in a header and a log line (UUIDs,
# hex, a proxy's `Root=1-abc-def`); anything else is replaced by an id of our own.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:=+/@-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class RequestObservability:
    def __init__(self, app: ASGIApp, metrics: Metrics, traced: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.traced = traced  # the request span (made outside this middleware) gets the request id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        id_header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # when the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID_HEADER]
                message["headers"] = [*headers, id_header]
            await send(message)

        resources = running_resources(scope["app"])
        if resources is not None:
            self.metrics.watch_pool(resources.engine)
        token = request_id_var.set(request_id)
        if self.traced:
            otel_trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = route_template(scope)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(seconds)
        outcome: Outcome | None = scope.get(RATE_LIMIT_SCOPE_KEY)
        if outcome is not None and not outcome.allowed:
            self.metrics.rate_limit_refusals.labels(outcome.policy.name).inc()
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s %d",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "path": scope["path"],  # never the query string, which may carry anything
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "request_id": request_id,
                    "user_id": _user_id(scope),
                    **({"trace_id": current_trace_id()} if self.traced else {}),
                },
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _SANE_REQUEST_ID.fullmatch(value) else None
    return None


def route_template(scope: Scope) -> str:
    """The path pattern that served the request (`/tasks/{task_id}`), never the path itself: metrics
    labels must stay few. Requests answered before routing (a 404, a refused body) are matched here."""
    route = scope.get("route")
    if route is None:
        for candidate in iter_route_contexts(scope["app"].router.routes):
            if candidate.matches(scope)[0] is Match.FULL:
                route = candidate
                break
    # `path_format` drops convertors: `/tasks/{task_id:int}` is labelled `/tasks/{task_id}`
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def _user_id(scope: Scope) -> int | None:
    """The caller, when its token or session was verified while serving this request (a cache lookup: no
    signature is checked again, and an invalid credential yields None)."""
    resources = running_resources(scope["app"])
    if resources is None:
        return None
    verified = resources.verified_tokens
    bearer: str | None = None
    cookie: str | None = None
    for name, value in scope["headers"]:
        if name == b"authorization" and bearer is None:
            scheme, _, token = value.decode("latin-1").partition(" ")
            bearer = token.strip() if scheme.lower() == "bearer" else ""
        elif name == b"cookie" and cookie is None:
            cookie = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
    # As the auth dependency decides: a bearer token when there is one, else the session cookie.
    claims = verified.known(bearer, "access") if bearer else None
    if bearer is None and cookie:
        claims = verified.known(cookie, "session")
    return claims.user_id if claims is not None else None
