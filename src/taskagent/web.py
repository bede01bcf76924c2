"""The built frontend: the single-page app under /app, its assets under /assets, / sends people there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).parent / "web"


def mount_frontend(app: FastAPI, directory: Path = WEB_DIR) -> bool:
    """Serve the build if there is one; the API works without it. Returns whether it was mounted."""
    index = directory / "index.html"
    if not index.is_file():
        return False

    async def redirect_to_app() -> RedirectResponse:
        return RedirectResponse("/app", status_code=307)

    # Client routes live under /app so they never shadow an API path; any of them gets the app.
    async def spa() -> FileResponse:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.add_api_route("/", redirect_to_app, include_in_schema=False, methods=["GET"])
    app.add_api_route("/app", spa, include_in_schema=False, methods=["GET"])
    app.add_api_route("/app/{path:path}", spa, include_in_schema=False, methods=["GET"])
    if (directory / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=directory / "assets"), name="assets")
    for extra in directory.iterdir():
        if extra.is_file() and extra.name != "index.html":
            app.add_api_route(
                f"/{extra.name}",
                _static_file(extra),
                include_in_schema=False,
                methods=["GET"],
            )
    return True


def _static_file(path: Path) -> Callable[[], Awaitable[FileResponse]]:
    async def serve() -> FileResponse:
        return FileResponse(path)

    return serve
