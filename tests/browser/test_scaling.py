"""Two daphne processes sharing PostgreSQL and Redis behave as one site."""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import sign_in

OPEN_SOCKET = """async (label) => {
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/healthz/');
  window.civicMessages = window.civicMessages || [];
  ws.onmessage = (event) => window.civicMessages.push(JSON.parse(event.data));
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  window.civicSocket = ws;
  return true;
}"""


def wait_for(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Poll with evaluate (wait_for_function needs eval, which our CSP rightly forbids)."""
    deadline = time.time() + timeout
    while not page.evaluate(expression):
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.1)


@pytest.fixture
def redis_required():
    if not os.environ.get("REDIS_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser suite with REDIS_URL set")
        pytest.skip("cross-process messages need REDIS_URL (the in-memory layer is per process)")


def test_websocket_message_published_on_one_process_reaches_a_client_on_another(
    page: Page, context, server, second_server, redis_required
):
    other = context.new_page()
    page.goto(server["base_url"] + "/")
    other.goto(second_server + "/")
    page.evaluate(OPEN_SOCKET, "one")
    other.evaluate(OPEN_SOCKET, "two")
    wait_for(other, "window.civicMessages.some(m => m.ok)")
    page.evaluate("window.civicSocket.send(JSON.stringify({broadcast: 'from-process-one'}))")
    wait_for(other, "window.civicMessages.some(m => m.echo === 'from-process-one')")
    wait_for(page, "window.civicMessages.some(m => m.echo === 'from-process-one')")


def test_a_session_started_on_one_process_is_valid_on_the_other(page: Page, server, second_server, make_user):
    user, password, _ = make_user("resident")
    sign_in(page, server["base_url"], user.email, password)
    cookies = page.context.cookies(server["base_url"])
    # Both processes are on 127.0.0.1 (different ports share cookies), as behind one load balancer.
    assert any(c["name"] == "sessionid" for c in cookies)
    page.goto(second_server + "/me/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
