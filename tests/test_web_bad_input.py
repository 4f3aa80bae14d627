"""Bad input on the web side gets a clear answer, never a 500, a dropped connection or a dead consumer."""

from __future__ import annotations

import json
import random

import pytest
from channels.testing import WebsocketCommunicator

from civic.asgi import application
from civic.wsjson import MAX_BYTES, MAX_DEPTH, parse_message

ORIGIN = [(b"origin", b"http://127.0.0.1")]


# --- HTTP methods ---------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/about/", "/me/", "/accounts/login/"])
def test_options_answers_allow_without_the_page(client, path):
    response = client.options(path)
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["trace", "put", "patch", "delete"])
def test_methods_civic_does_not_speak_are_405_with_allow(client, method):
    response = client.generic(method.upper(), "/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert b"not supported" in response.content
    assert b"<h1" not in response.content


# --- Over-long request lines (daphne's Twisted HTTP channel) ---------------------------------

def _twisted_channel():
    from twisted.internet.testing import StringTransport
    from twisted.web import http

    from civic import server_limits

    server_limits.install()
    channel = http.HTTPChannel()
    transport = StringTransport()
    channel.makeConnection(transport)
    return channel, transport


def test_20_kb_query_string_is_answered_414_not_dropped():
    channel, transport = _twisted_channel()
    channel.dataReceived(b"GET /?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = transport.value()
    assert answer.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert b"The address is too long" in answer
    assert transport.disconnecting


def test_headers_over_16_kb_in_total_are_answered_400_with_a_message():
    channel, transport = _twisted_channel()
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"h" * 1000) for i in range(20))
    channel.dataReceived(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
    answer = transport.value()
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"could not be understood" in answer


def test_over_long_header_is_answered_431():
    channel, transport = _twisted_channel()
    channel.dataReceived(b"GET / HTTP/1.1\r\nCookie: " + b"c" * 20_000 + b"\r\n\r\n")
    assert transport.value().startswith(b"HTTP/1.1 431 ")


# --- WebSocket: unknown path, JSON parsing, fuzz ------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/ws/nope/", "/", "/ws/healthz/extra/", "/%ff%fe"])
async def test_websocket_to_an_unknown_path_is_closed_with_4404(path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    closing = await communicator.receive_output(timeout=5)
    assert closing == {"type": "websocket.close", "code": 4404}
    await communicator.wait()


@pytest.mark.parametrize(
    "text,error",
    [
        (None, "binary"),
        ("x" * (MAX_BYTES + 1), "too long"),
        ("é" * (MAX_BYTES // 2 + 1), "too long"),
        ("[" * 100_000, "too long"),
        ("[" * 2000 + "]" * 2000, "nested too deeply"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested too deeply"),
        ('{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1), "nested too deeply"),
        ("{", "not valid JSON"),
        ('{"n": NaN}', "not valid JSON"),
        ('{"n": -Infinity}', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"text"', "JSON object"),
        ("\ud800", "not valid JSON"),
    ],
)
def test_parse_message_refuses_bad_messages_with_a_reason(text, error):
    parsed = parse_message(text)
    assert not parsed.ok
    assert error in parsed.error


def test_parse_message_accepts_brackets_inside_strings_and_nesting_at_the_limit():
    assert parse_message('{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"]]]"}').ok
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_message('{"a": ' + nested + "}").value == {"a": json.loads(nested)}


def _fuzz_frames(seed: int = 20261201, count: int = 120) -> list[dict]:
    rng = random.Random(seed)
    frames: list[dict] = [
        {"text_data": "[" * 50_000},
        {"text_data": '{"broadcast": ' * 5_000},
        {"text_data": "x" * 1_000_000},
        {"text_data": json.dumps({"broadcast": {"nested": [1, 2, 3]}})},
        {"text_data": json.dumps({"broadcast": None})},
        {"text_data": json.dumps({"broadcast": True})},
        {"text_data": '{"broadcast": NaN}'},
        {"text_data": " "},
        {"bytes_data": b"\x00\xff" * 10_000},
    ]
    for _ in range(count):
        kind = rng.randrange(3)
        if kind == 0:
            frames.append({"bytes_data": rng.randbytes(rng.randrange(1, 4096))})
        elif kind == 1:
            alphabet = '[]{}",:0123456789.eE-+ truefalsnul\\u"'
            frames.append({"text_data": "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 2048)))})
        else:
            valid = json.dumps({"broadcast": "t", "x": [1, {"y": "z"}]})
            position = rng.randrange(len(valid))
            frames.append({"text_data": valid[:position] + chr(rng.randrange(32, 0x2FFF)) + valid[position + 1:]})
    return frames


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_fuzzed_frames_never_kill_the_health_consumer():
    """Random bytes, deep nesting, huge frames: every frame gets a JSON answer and the consumer goes on."""
    communicator = WebsocketCommunicator(application, "/ws/healthz/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    assert json.loads(await communicator.receive_from(timeout=5))["ok"] is True
    for index, frame in enumerate(_fuzz_frames()):
        await communicator.send_to(**frame)
        reply = json.loads(await communicator.receive_from(timeout=5))
        assert set(reply) <= {"error", "echo"}, (index, reply)
    await communicator.send_to(text_data=json.dumps({"broadcast": "still-alive"}))
    assert json.loads(await communicator.receive_from(timeout=5)) == {"echo": "still-alive"}
    await communicator.disconnect()
