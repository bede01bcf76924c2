"""The ChatKit client of the chat tests (chat turns count against the quota); a counting model."""

import pytest
from fastapi import FastAPI

from tests.chat.conftest import chat
from tests.mcp.conftest import mcp_client, server_url
from tests.usage.support import CountingModel, install_counting

__all__ = ["chat", "counting", "mcp_client", "server_url"]


@pytest.fixture
def counting(app: FastAPI) -> type[CountingModel]:
    return install_counting(app)
