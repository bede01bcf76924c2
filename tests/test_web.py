"""The built page's delivery: precompressed, year-cached hashed assets; index.html never cached."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from taskagent.web import ASSET_CACHE, mount_frontend

SCRIPT = b"console.log('the app');" * 50


@pytest.fixture
async def web_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    build = tmp_path / "web"
    assets = build / "assets"
    assets.mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><title>TaskAgent</title>")
    (assets / "index-abc123.js").write_bytes(SCRIPT)
    (assets / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (assets / "index-abc123.js.br").write_bytes(b"brotli bytes")
    (assets / "plain-def456.css").write_text("body{}")
    app = FastAPI()
    assert mount_frontend(app, build)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_brotli_first_then_gzip_then_plain(web_client: httpx.AsyncClient) -> None:
    br = await web_client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.status_code == 200
    assert br.headers["content-encoding"] == "br"
    assert br.headers["content-type"].startswith("text/javascript")
    assert br.headers["cache-control"] == ASSET_CACHE
    assert br.headers["vary"] == "Accept-Encoding"
    assert int(br.headers["content-length"]) == len(b"brotli bytes")

    gz = await web_client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.content == SCRIPT  # httpx decodes it: the stored .gz is the same script

    plain = await web_client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == SCRIPT
    assert plain.headers["cache-control"] == ASSET_CACHE


async def test_an_asset_without_a_compressed_copy_is_sent_as_it_is(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/assets/plain-def456.css", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.text == "body{}"


async def test_missing_assets_and_escapes_are_404_and_not_cached(web_client: httpx.AsyncClient) -> None:
    for path in ("/assets/nope-000.js", "/assets/..%2Findex.html", "/assets/../index.html"):
        response = await web_client.get(path, headers={"Accept-Encoding": "br"})
        assert response.status_code == 404, path
        assert "immutable" not in response.headers.get("cache-control", "")


async def test_the_page_itself_is_never_cached(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/app/chat")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert "<title>TaskAgent</title>" in response.text
