from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import UserHandle


async def new_token(
    client: httpx.AsyncClient, user: UserHandle, *scopes: str, **fields: Any
) -> dict[str, Any]:
    """POST /users/me/tokens (asserting the 201); the answer, with `headers` for using the token."""
    body = {"name": fields.pop("name", "script"), "scopes": list(scopes), **fields}
    response = await client.post("/users/me/tokens", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    created["headers"] = {"Authorization": f"Bearer {created['token']}"}
    return created
