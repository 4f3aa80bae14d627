"""Bad requests against a real daphne process: clear answers, never a 500 or a dropped connection."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from playwright.sync_api import Page


def _request(base_url: str, method: str, path: str) -> tuple[http.client.HTTPResponse, bytes]:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_options_and_trace_do_not_render_the_home_page(server):
    options, body = _request(server["base_url"], "OPTIONS", "/")
    assert options.status == 200 and options.getheader("Allow") == "GET, HEAD, POST, OPTIONS"
    assert body == b""
    trace, body = _request(server["base_url"], "TRACE", "/")
    assert trace.status == 405 and "GET" in (trace.getheader("Allow") or "")
    assert b"<html" not in body


def test_a_20_kb_query_string_gets_414_not_a_dropped_connection(server):
    response, body = _request(server["base_url"], "GET", "/?q=" + "a" * 20_000)
    assert response.status == 414
    assert b"too long" in body


def test_websocket_to_an_unknown_path_is_closed_with_4404(page: Page, server, base_url):
    page.goto(base_url + "/about/")
    code = page.evaluate(
        """(url) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            socket.onclose = (event) => resolve(event.code);
        })""",
        base_url.replace("http", "ws", 1) + "/ws/no-such-room/",
    )
    assert code == 4404
    assert "No route found" not in server["log"].read_text()
