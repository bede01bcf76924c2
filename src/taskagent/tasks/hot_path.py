"""GET /tasks/{id}, the API's hottest route, and its fast path.

`TaskReadFastPath` sits in front of the app and answers the common case itself: a `GET /tasks/<id>` whose
bearer token this worker has already verified, of a user recently seen to exist, for a task the user owns.
It then sends exactly what the route would (same body, same headers: see tests/tasks/test_hot_path.py)
without the routing, request object and dependency solving that cost about as much CPU as the database
read. Everything else, including every error (a token not yet verified, a cookie session, a missing or
foreign task, a database failure), goes on to the route, which decides it as it always does: the fast path
can make a request cheaper, never answer it differently.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from starlette.types import ASGIApp, Receive, Scope, Send

from taskagent.resources import app_resources
from taskagent.tasks.models import MAX_TASK_ID
from taskagent.tasks.schemas import TaskRead
from taskagent.tasks.service import etag_of

PREFIX = "/tasks/"
_TASK_JSON = TypeAdapter(TaskRead)
_MAX_ID_DIGITS = len(str(MAX_TASK_ID))


def task_body(task: dict[str, Any]) -> tuple[bytes, str]:
    """A task's columns as the API shows them (JSON), and its ETag."""
    body = _TASK_JSON.dump_json(_TASK_JSON.validate_python(task))
    return body, etag_of(task["id"], task["version"])


def _task_id(path: str) -> int | None:
    """The id in `/tasks/<id>` when it is written the one way FastAPI reads as that id (ASCII digits, no
    sign or leading zero, no longer than the largest id); None for anything the route should decide. An id
    no task can have is left to `TaskReader.one`, which finds nothing, so the route answers it."""
    digits = path[len(PREFIX) :]
    if not digits or len(digits) > _MAX_ID_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return None if digits[0] == "0" else int(digits)


def _bearer(scope: Scope) -> str | None:
    value: bytes
    for name, value in scope["headers"]:
        if name == b"authorization":  # the first one, as Starlette's `headers.get` reads it
            scheme, _, token = value.partition(b" ")
            if scheme.lower() != b"bearer" or not token or b" " in token:
                return None
            return str(token, "latin-1")
    return None


class TaskReadFastPath:
    """Answers `GET /tasks/<id>` for an already verified caller's own task; passes on everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.served = 0  # requests answered here (tests check that the fast path really is taken)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(PREFIX)
            and not scope.get("root_path")
        ):
            answer = await self._answer(scope)
            if answer is not None:
                body, etag = answer
                self.served += 1
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        # The route's headers, in its order (Starlette's Response puts its own last).
                        "headers": [
                            (b"etag", etag.encode("latin-1")),
                            (b"content-length", str(len(body)).encode("latin-1")),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> tuple[bytes, str] | None:
        task_id = _task_id(scope["path"])
        token = _bearer(scope) if task_id is not None else None
        if task_id is None or token is None:
            return None
        resources = app_resources(scope["app"])
        claims = resources.verified_tokens.known(token, "access")
        if claims is None or claims.user_id not in resources.known_users:
            return None
        try:
            task = await resources.task_reader.one(claims.user_id, task_id)
        except Exception:  # the route reads again and answers the failure as it always does (e.g. 503)
            return None
        return None if task is None else task_body(task)
