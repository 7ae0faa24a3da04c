"""The open-loop load generator against a tiny asyncio HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bench.loadgen import read_response, run_async

pytestmark = pytest.mark.asyncio


@contextlib.asynccontextmanager
async def http_server(*, delay: float = 0.0, status: int = 200, close_after: int | None = None):
    """Answers every GET with `status` after `delay` seconds; with `close_after`,
    drops the connection without answering from that many requests on."""
    served = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                served += 1
                if close_after is not None and served > close_after:
                    break
                await asyncio.sleep(delay)
                body = b'{"ok": true}'
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_sends_the_number_of_requests_rate_and_duration_imply():
    async with http_server() as port:
        result = await run_async([port], "/", rate=200, duration=0.5)
    assert result.scheduled == 100
    assert result.ok == 100
    assert result.errors == result.timeouts == 0
    assert 150 <= result.achieved <= 250
    assert 0 < result.loadgen_cpu <= 1.5


async def test_latency_is_measured_from_the_schedule():
    async with http_server(delay=0.05) as port:
        result = await run_async([port], "/", rate=100, duration=0.5)
    assert result.ok == 50
    assert result.p50 >= 50
    assert result.connections >= 5  # all busy: the pool grew instead of queueing


async def test_a_pool_capped_too_small_shows_the_queueing():
    # One connection, 50 ms a request, 40 requests/s due: each waits for the last.
    async with http_server(delay=0.05) as port:
        result = await run_async([port], "/", rate=40, duration=0.5, max_connections=1)
    assert result.connections == 1
    assert result.max >= 150


async def test_a_500_is_an_error():
    async with http_server(status=500) as port:
        result = await run_async([port], "/", rate=100, duration=0.2)
    assert result.ok == 0
    assert result.errors == 20
    assert result.statuses == {"500": 20}


async def test_a_closed_connection_is_an_error():
    async with http_server(close_after=5) as port:
        result = await run_async([port], "/", rate=100, duration=0.2)
    assert result.ok == 5
    assert result.errors == 15


async def test_a_slow_answer_is_a_timeout():
    async with http_server(delay=0.3) as port:
        result = await run_async([port], "/", rate=50, duration=0.1, timeout=0.1)
    assert result.ok == 0
    assert result.timeouts == 5


async def test_requests_go_round_robin_over_the_ports():
    async with http_server() as first, http_server(status=503) as second:
        result = await run_async([first, second], "/", rate=100, duration=0.4)
    assert result.ok == 20
    assert result.statuses == {"503": 20}


async def test_chunked_responses_are_read_to_the_end():
    reader = asyncio.StreamReader()
    reader.feed_data(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\nHTTP/1.1 204 No\r\nContent-Length: 0\r\n\r\n"
    )
    assert await read_response(reader) == (200, True)
    assert await read_response(reader) == (204, True)


@pytest.mark.parametrize("header", [b"Connection: close\r\n", b""])
async def test_connection_close_is_honoured(header):
    reader = asyncio.StreamReader()
    reader.feed_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + header + b"\r\nok")
    assert await read_response(reader) == (200, not header)
