"""The ways in that the audit tests drive: the ChatKit client and the MCP client of their own domains."""

from tests.chat.conftest import chat
from tests.mcp.conftest import mcp_client, server_url

__all__ = ["chat", "mcp_client", "server_url"]
