"""A real gunicorn server and a concurrent client, for race tests and benchmarks.

The server runs ``wsgi:app`` (or another app path) in a subprocess with several workers and
threads against the database URL given, exactly as a deployment would. ``hammer`` fires
many requests at once from a thread pool and reports statuses and latencies.
"""

from __future__ import annotations

import http.client
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-server-secret-key-that-is-long-enough-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class GunicornServer:
    database_url: str
    instance_path: str
    workers: int = 4
    threads: int = 4
    app_path: str = "wsgi:app"
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {
            **os.environ,
            "OHWB_DATABASE_URL": self.database_url,
            "OHWB_SECRET_KEY": SECRET,
            "OHWB_INSTANCE_PATH": self.instance_path,
            "OHWB_BASE_URL": self.url,
            # Hundreds of requests come from one address here: the limits would end the test.
            "OHWB_RATELIMIT_ENABLED": "false",
            "OHWB_SESSION_COOKIE_SECURE": "false",
            "OHWB_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        command = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--threads", str(self.threads),
            "--backlog", "2048",
            "--timeout", "60",
            "--log-level", "warning",
            self.app_path,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _, _ = request("GET", self.url + "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not become healthy in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@contextmanager
def gunicorn(database_url: str, instance_path: str, **kwargs: Any) -> Iterator[GunicornServer]:
    server = GunicornServer(database_url, instance_path, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


_local = threading.local()


def _closed_by_server(conn: http.client.HTTPConnection) -> bool:
    """An idle kept-alive socket that is readable has been closed (or broken) by the server."""
    return conn.sock is not None and bool(select.select([conn.sock], [], [], 0)[0])


def request(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    cookies: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, dict[str, str], str]:
    """One HTTP request over a per-thread keep-alive connection: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    key = (parts.hostname, parts.port)
    conn: http.client.HTTPConnection | None = getattr(_local, "conns", {}).get(key)
    if conn is not None and _closed_by_server(conn):
        conn.close()  # as urllib3 does: never send on a connection the server has timed out
        conn = None
    if conn is None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        _local.__dict__.setdefault("conns", {})[key] = conn
    headers = {"Connection": "keep-alive"}
    payload = None
    if body is not None:
        payload = urllib.parse.urlencode(body, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
    except (http.client.HTTPException, OSError):
        conn.close()
        _local.conns.pop(key, None)
        raise
    data = response.read().decode("utf-8", "replace")
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


class Browserless:
    """A cookie-keeping client that fills forms like a browser (CSRF token included)."""

    _CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def _keep(self, headers: dict[str, str]) -> None:
        raw = headers.get("set-cookie")
        if raw:
            cookie = SimpleCookie()
            cookie.load(raw)
            self.cookies.update({k: m.value for k, m in cookie.items()})

    def get(self, path: str) -> tuple[int, str]:
        status, headers, body = request("GET", self.base_url + path, cookies=self.cookies)
        self._keep(headers)
        return status, body

    def post(self, path: str, data: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        status, headers, body = request(
            "POST", self.base_url + path, body=data, cookies=self.cookies
        )
        self._keep(headers)
        return status, headers, body

    def submit(self, form_path: str, data: dict[str, Any], action: str | None = None):
        """GET the form, POST it with its CSRF token: (status, headers, body) of the POST."""
        _, html = self.get(form_path)
        match = self._CSRF.search(html)
        token = match.group(1) if match else ""
        return self.post(action or form_path, {"csrf_token": token, **data})


@dataclass(frozen=True)
class LoadResult:
    statuses: list[int]
    latencies: list[float]  # seconds, of the measured request only
    elapsed: float
    errors: list[str]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.statuses if s >= 500) + len(self.errors)


def hammer(tasks: Sequence[Callable[[], tuple[int, float]]], concurrency: int) -> LoadResult:
    """Run ``tasks`` (each returns (status, seconds of the measured request)) all at once.

    A barrier releases the threads together so the requests really do race.
    """
    concurrency = min(concurrency, len(tasks))
    statuses: list[int] = []
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(task: Callable[[], tuple[int, float]]) -> None:
        try:
            status, seconds = task()
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
            return
        with lock:
            statuses.append(status)
            latencies.append(seconds)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, tasks))
    return LoadResult(statuses, latencies, time.perf_counter() - start, errors)
