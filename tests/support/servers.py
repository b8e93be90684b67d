"""Real app processes for tests: gunicorn with the repository's gunicorn.conf.py, and
a small HTTP client that keeps cookies the way a browser does (enough of it)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**settings: str) -> dict[str, str]:
    """The environment of an app process: this one's, minus a developer's app settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "PYTHONPATH", "SMTP_URL")}
    env.update(FLASK_APP="ally_web:create_app", **settings)
    return env


def flask(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"flask {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Browser:
    """Cookies for one origin-less shopper: sent to whichever server is asked."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, port: int, method: str, path: str, form: dict | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        from urllib.parse import urlencode

        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        finally:
            conn.close()

    def get(self, port: int, path: str, **kw) -> Answer:
        return self.request(port, "GET", path, **kw)

    def post(self, port: int, path: str, form: dict, **kw) -> Answer:
        return self.request(port, "POST", path, form=form, **kw)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 1) -> Iterator[int]:
    """One app server (gunicorn, the repository's settings) on a free port; yields the
    port once /readyz answers 200; stopped (SIGTERM, then SIGKILL) on exit."""
    port = free_port()
    log = ROOT / "instance" / f"test-gunicorn-{port}.log"
    log.parent.mkdir(exist_ok=True)
    env = dict(env, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers))
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # poll for the condition "/readyz says 200", with a deadline
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if Browser().get(port, "/readyz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn was not ready within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.unlink(missing_ok=True)
