"""The webhook routes: registration (the secret once), listing, deletion, the refusals and who may call."""

from __future__ import annotations

import base64
import ipaddress
import socket

import httpx
import pytest

from taskagent.webhooks.service import MAX_WEBHOOKS
from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.webhooks.conftest import register

pytestmark = pytest.mark.usefixtures("backend")

PUBLIC = "https://93.184.215.14/hooks/taskagent"  # an address on the public internet (not contacted)
EVENTS = ["task.created", "task.updated", "task.completed", "task.deleted", "reminder.due"]


async def test_a_webhook_is_registered_with_a_secret_shown_once(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    created = await register(client, alice, PUBLIC, [*EVENTS, "task.created"])
    assert created["url"] == PUBLIC and created["events"] == EVENTS  # a repeated event is kept once
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    listed = (await client.get("/webhooks", headers=alice.headers)).json()
    assert listed == [{key: value for key, value in created.items() if key != "secret"}]
    other = await register(client, alice, PUBLIC)
    assert other["secret"] != secret


async def test_deleting_a_webhook_and_another_users_ids(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    hook = await register(client, alice, PUBLIC)
    for webhook_id in (hook["id"], 999_999, 2**31, 2**63):
        for path in (f"/webhooks/{webhook_id}", f"/webhooks/{webhook_id}/deliveries"):
            method = "DELETE" if path.endswith(str(webhook_id)) else "GET"
            missing = await client.request(method, path, headers=bob.headers)
            assert missing.status_code == 404, (method, path, missing.text)
            assert missing.json() == {"detail": f"Webhook {webhook_id} not found"}
    assert (await client.get("/webhooks", headers=bob.headers)).json() == []
    assert (await client.delete(f"/webhooks/{hook['id']}", headers=alice.headers)).status_code == 204
    assert (await client.delete(f"/webhooks/{hook['id']}", headers=alice.headers)).status_code == 404
    assert (await client.get("/webhooks", headers=alice.headers)).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["task.exploded"]},
        {"url": PUBLIC},
        {"events": ["task.created"]},
        {"url": "ftp://93.184.215.14/x", "events": ["task.created"]},
        {"url": "file:///etc/passwd", "events": ["task.created"]},
        {"url": "javascript:alert(1)", "events": ["task.created"]},
        {"url": "https://", "events": ["task.created"]},
        {"url": "not a url", "events": ["task.created"]},
        {"url": "https://93.184.215.14/" + "a" * 2000, "events": ["task.created"]},
        {"url": PUBLIC, "events": ["task.created"], "secret": "mine"},
    ],
)
async def test_invalid_registrations_are_a_422(
    client: httpx.AsyncClient, alice: UserHandle, body: dict[str, object]
) -> None:
    response = await client.post("/webhooks", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert (await client.get("/webhooks", headers=alice.headers)).json() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://127.1/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one number
        "http://10.1.2.3/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.5/hook",
        "http://100.64.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[ff02::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://localhost:8000/hook",
        "http://LOCALHOST./hook",
    ],
)
async def test_private_addresses_are_refused(client: httpx.AsyncClient, alice: UserHandle, url: str) -> None:
    response = await client.post(
        "/webhooks", json={"url": url, "events": ["task.created"]}, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "url"] and "public" in problem["msg"]


async def test_at_most_twenty_webhooks_a_user(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    for _ in range(MAX_WEBHOOKS):
        await register(client, alice, PUBLIC)
    refused = await client.post("/webhooks", json={"url": PUBLIC, "events": EVENTS}, headers=alice.headers)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "You have 20 webhooks, the most allowed; delete one first"
    await register(client, bob, PUBLIC)  # per user
    first = (await client.get("/webhooks", headers=alice.headers)).json()[0]
    assert (await client.delete(f"/webhooks/{first['id']}", headers=alice.headers)).status_code == 204
    await register(client, alice, PUBLIC)


async def test_without_auth_and_with_access_tokens(client: httpx.AsyncClient, alice: UserHandle) -> None:
    assert (await client.get("/webhooks")).status_code == 401
    assert (await client.post("/webhooks", json={"url": PUBLIC, "events": EVENTS})).status_code == 401
    assert (await client.delete("/webhooks/1")).status_code == 401
    assert (await client.get("/webhooks/1/deliveries")).status_code == 401
    hook = await register(client, alice, PUBLIC)
    reader = (await new_token(client, alice, "tasks:read"))["headers"]
    writer = (await new_token(client, alice, "tasks:write"))["headers"]
    other = (await new_token(client, alice, "calendar"))["headers"]
    assert (await client.get("/webhooks", headers=reader)).status_code == 200
    assert (await client.get(f"/webhooks/{hook['id']}/deliveries", headers=reader)).status_code == 200
    assert (
        await client.post("/webhooks", json={"url": PUBLIC, "events": EVENTS}, headers=reader)
    ).status_code == 403
    assert (await client.delete(f"/webhooks/{hook['id']}", headers=reader)).status_code == 403
    assert (await client.get("/webhooks", headers=other)).status_code == 403
    assert (await client.get("/webhooks", headers=writer)).status_code == 403
    assert (
        await client.post("/webhooks", json={"url": PUBLIC, "events": EVENTS}, headers=writer)
    ).status_code == 201
    assert (await client.delete(f"/webhooks/{hook['id']}", headers=writer)).status_code == 204


async def test_deleting_the_user_deletes_their_webhooks(client: httpx.AsyncClient, alice: UserHandle) -> None:
    await register(client, alice, PUBLIC)
    response = await client.request(
        "DELETE", "/users/me", json={"password": alice.password}, headers=alice.headers
    )
    assert response.status_code == 204, response.text


async def test_a_name_that_resolves_to_a_private_address_is_refused(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """Found by resolving (not by its name, as `localhost` is): this machine's own host name."""
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    except OSError:
        pytest.skip(f"{name} does not resolve here")
    if all(ipaddress.ip_address(str(address).split("%")[0]).is_global for address in addresses):
        pytest.skip(f"{name} resolves to public addresses here")
    body = {"url": f"http://{name}:8000/hook", "events": ["task.created"]}
    response = await client.post("/webhooks", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert "resolves to" in response.json()["detail"][0]["msg"]
