"""Thousands of form posts sent at the same instant, each on its own connection.

``hammer`` runs one thread per request. With 2,000 threads on a 2-core box the client itself
starves: a thread can wait seconds between opening its connection and sending its request,
long enough for gunicorn to close the silent connection, and a pooled thread can send on a
kept-alive connection the server has just timed out. Both look like dropped connections, and
neither is the server's fault. Here one event loop opens every connection and writes each
request as soon as its connection is up, as 2,000 separate browsers would.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from tests.live import LoadResult


@dataclass(frozen=True)
class Post:
    """One browser's form post: where, with which cookies, carrying which fields."""

    url: str
    fields: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)

    def raw(self) -> tuple[str, int, bytes]:
        parts = urllib.parse.urlsplit(self.url)
        body = urllib.parse.urlencode(self.fields).encode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = [
            f"POST {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Connection: close",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        head = ("\r\n".join(headers) + "\r\n\r\n").encode()
        return parts.hostname or "127.0.0.1", parts.port or 80, head + body


@dataclass(frozen=True)
class StormResult(LoadResult):
    """``hammer``'s result, plus why each retried attempt failed."""

    retries: list[str] = field(default_factory=list)

    def retry_reasons(self) -> Counter[str]:
        return Counter(self.retries)


async def _send(host: str, port: int, raw: bytes, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(raw)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        if not status_line:
            raise ConnectionError("closed before answering")
        status = int(status_line.split()[1])
        await asyncio.wait_for(reader.read(), timeout)  # Connection: close, so until EOF
        return status
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


async def _storm(posts: Sequence[Post], attempts: int, timeout: float) -> StormResult:
    statuses: list[int] = []
    latencies: list[float] = []
    errors: list[str] = []  # posts that got no answer after every attempt
    retries: list[str] = []

    async def one(post: Post) -> None:
        host, port, raw = post.raw()
        for attempt in range(1, attempts + 1):
            start = time.perf_counter()
            try:
                status = await _send(host, port, raw, timeout)
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                if attempt == attempts:
                    errors.append(reason)
                    return
                # A browser posts the same form again: the submission key makes it safe.
                retries.append(reason)
                continue
            statuses.append(status)
            latencies.append(time.perf_counter() - start)
            return

    start = time.perf_counter()
    await asyncio.gather(*(one(post) for post in posts))
    return StormResult(statuses, latencies, time.perf_counter() - start, errors, retries)


def storm(posts: Sequence[Post], attempts: int = 3, timeout: float = 60.0) -> StormResult:
    """Send every post at once, each on a fresh connection, retrying one that gets no answer."""
    return asyncio.run(_storm(posts, attempts, timeout))
