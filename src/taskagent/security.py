"""Defences at the HTTP edge: how large a request body may be, and the headers every response carries."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskagent.errors import ErrorJSONResponse, PayloadTooLarge

# Everything not named below: a chat message (8,000 characters, 6 bytes each when JSON-escaped) with
# room to spare.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Sign-up and sign-in carry an email and a password: a few hundred bytes.
AUTH_MAX_BODY_BYTES = 16 * 1024
# An import carries a whole export (or a Todoist CSV): tens of thousands of tasks.
IMPORT_MAX_BODY_BYTES = 10 * 1024 * 1024
# Paths whose bodies may be smaller (or, for an import, larger) than the default.
ROUTE_MAX_BODY_BYTES: Mapping[str, int] = {
    "/token": AUTH_MAX_BODY_BYTES,
    "/auth/login": AUTH_MAX_BODY_BYTES,
    "/users/signup": AUTH_MAX_BODY_BYTES,
    "/users/me/import": IMPORT_MAX_BODY_BYTES,
}


def body_too_large(limit: int) -> HTTPException:
    """The 413 (documented as `PayloadTooLarge`). An HTTPException, because FastAPI turns any other
    exception raised while it reads a body into a 400; the one error handler answers both alike."""
    return HTTPException(PayloadTooLarge.status_code, detail=f"The request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuses a request body over its path's limit while it is read, before anything parses it.

    A declared Content-Length over the limit is answered at once, without reading a byte. Otherwise the
    bytes of each `http.request` message are counted, and the message that crosses the limit raises the
    413 (`PayloadTooLarge`) in whatever is reading (FastAPI's body parsing, or `request.body()`), so it
    gets the app's own error body. A huge body thus costs the server no more than the limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        default: int = DEFAULT_MAX_BODY_BYTES,
        limits: Mapping[str, int] = ROUTE_MAX_BODY_BYTES,
    ) -> None:
        self.app, self.default, self.limits = app, default, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            error = body_too_large(limit)
            response = ErrorJSONResponse({"detail": error.detail}, status_code=error.status_code)
            # The unread body would be the next request on a kept-alive connection: close it.
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise body_too_large(limit)
            return message

        await self.app(scope, receive_with_limit, send)


# The page loads only its own script, styles, images and API: nothing inline, nothing from elsewhere, and
# no site may frame it. API responses carry the same headers (harmless there, and one rule for all).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds `SECURITY_HEADERS` to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in SECURITY_HEADERS if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
