from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


@pytest.fixture
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    """The test's app served by uvicorn on a free local port: MCP over real HTTP."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving
    sock.close()


McpClient = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def mcp_client(server_url: str) -> McpClient:
    """An MCP client (the official SDK's) for `/mcp` with this bearer token."""

    def connect(token: str, **options: Any) -> AbstractAsyncContextManager[Client]:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return Client(streamable_http_client(f"{server_url}/mcp", http_client=http), **options)

    return connect
