"""The built frontend: the single-page app under /app, its assets under /assets, / sends people there.

Assets have content-hashed names, so they are cached for a year; the build writes a .br and a .gz beside
each (frontend/scripts/compress.mjs), sent as they are to browsers that accept them. index.html is never
cached, so a new build is picked up on the next load."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

WEB_DIR = Path(__file__).parent / "web"
ASSET_CACHE = "public, max-age=31536000, immutable"
# Preferred first: brotli is ~10 % smaller than gzip on the app's script.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


class HashedAssets(StaticFiles):
    """Static files with content-hashed names: a year's caching, and the precompressed copy when accepted."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        # Listed once at start-up (the build does not change under a running server).
        self.compressed = {path.name for path in directory.iterdir() if path.suffix in {".br", ".gz"}}

    async def get_response(self, path: str, scope: Scope) -> Response:
        header = Headers(scope=scope).get("accept-encoding", "")
        accepted = {part.split(";")[0].strip() for part in header.split(",")}
        for encoding, suffix in PRECOMPRESSED:
            if encoding in accepted and f"{path}{suffix}" in self.compressed:
                response = await super().get_response(f"{path}{suffix}", scope)
                response.headers["Content-Encoding"] = encoding
                media_type = mimetypes.guess_type(path)[0]
                if media_type and response.status_code == 200:
                    response.headers["Content-Type"] = media_type
                break
        else:
            response = await super().get_response(path, scope)
        if response.status_code in {200, 304}:
            response.headers["Cache-Control"] = ASSET_CACHE
            response.headers["Vary"] = "Accept-Encoding"
        return response


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
        app.mount("/assets", HashedAssets(directory / "assets"), name="assets")
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
        # Unhashed names (favicon.svg): a day, then the browser asks again.
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return serve
