"""Throwaway Redis servers for tests, like the throwaway PostgreSQL beside it.

:func:`redis_url_or_start` yields ``REDIS_URL`` unchanged when it is set (a CI
service, say); otherwise :func:`throwaway_redis` starts Debian's ``redis-server`` on a
free loopback port with no persistence, in a fresh temporary folder, waits until it
answers PING, yields ``redis://127.0.0.1:<port>/0``, and on exit (also on exceptions)
stops it and deletes the folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_TIMEOUT = 15.0  # seconds for the server to answer PING


def find_redis_server() -> str | None:
    return os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    import redis  # the client the app uses

    binary = find_redis_server()
    if binary is None:
        raise RuntimeError("redis-server not found: install Debian's `redis-server` package")
    tmp = Path(tempfile.mkdtemp(prefix="redistest-"))
    port = _free_port()
    logfile = tmp / "redis.log"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), "--save", "",
         "--appendonly", "no", "--logfile", str(logfile), "--daemonize", "no"],
        cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # poll for the condition "answers PING", with a deadline
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited ({proc.returncode}):\n{_tail(logfile)}")
            try:
                if client.ping():
                    break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT:.0f} s:\n"
                                       f"{_tail(logfile)}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        shutil.rmtree(tmp, ignore_errors=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def redis_url_or_start() -> contextlib.AbstractContextManager[str]:
    url = os.environ.get("REDIS_URL", "")
    if url.startswith("redis"):
        return contextlib.nullcontext(url)
    return throwaway_redis()
