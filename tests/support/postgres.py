"""Throwaway PostgreSQL servers for tests.

Tests that need real PostgreSQL behaviour (locking, constraints, types that
SQLite fakes) use :func:`postgres_url_or_start`:

* if ``DATABASE_URL`` already points at a PostgreSQL server (e.g. a CI
  service container), that URL is used unchanged and nothing is started;
* otherwise :func:`throwaway_postgres` creates a private cluster in a fresh
  temporary folder, starts it, yields a SQLAlchemy URL, and on exit (also on
  exceptions) stops the server and deletes the folder.

Design notes (why it looks the way it does):

* **Unix socket only.** The server listens on no TCP address
  (``listen_addresses=''``); its socket lives inside the temporary folder, so
  servers started by parallel test workers (pytest-xdist) can never clash.
  A free port number is still chosen because it is part of the socket's file
  name (``.s.PGSQL.<port>``) and of the URL.
* **Root.** ``initdb`` and ``postgres`` refuse to run as root, and CI runs as
  root. When ``os.geteuid() == 0`` the folder is chowned to the ``postgres``
  system user (created with ``useradd --system`` if the Debian package did not
  already create it) and the server binaries are run through
  ``runuser -u postgres --``. The test process itself (root) connects over
  the socket: the socket is world-writable (``unix_socket_permissions``
  default 0777) and authentication is ``trust``.
* **Speed over durability.** ``fsync``, ``synchronous_commit`` and
  ``full_page_writes`` are off and ``initdb`` runs with ``--no-sync``. That
  would risk data loss after a crash in production; here the cluster is
  deleted after the run anyway, and it makes start-up and writes much faster.
  Never copy these settings to a real server.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Superuser created by initdb (trust auth, no password) and database created.
PG_USER = "ally_test"
PG_DATABASE = "ally_test"

#: System account that runs the server when the tests run as root.
_RUN_AS = "postgres"

#: Unix socket paths are limited to ~107 bytes; stay well below.
_MAX_SOCKET_DIR_LEN = 80


def find_pg_bin() -> Path | None:
    """Folder holding ``initdb``/``pg_ctl``/``postgres``, or None.

    Order: env ``PG_BIN``; the highest ``/usr/lib/postgresql/<ver>/bin``
    holding ``initdb`` (Debian/Ubuntu packages do not put it on PATH);
    the folder of ``initdb`` on PATH.
    """
    env = os.environ.get("PG_BIN")
    if env:
        return Path(env)

    def version_key(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    candidates = [
        p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()
    ]
    if candidates:
        return max(candidates, key=version_key)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_run_as_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(_RUN_AS)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--user-group",
             "--shell", "/usr/sbin/nologin", _RUN_AS],
            check=True, capture_output=True,
        )
        return pwd.getpwnam(_RUN_AS)


def _base_tempdir(as_root: bool) -> str:
    """Parent for the cluster folder: short enough for a socket path and,
    when the server runs as ``postgres``, traversable by that user."""
    base = tempfile.gettempdir()
    if len(base) > _MAX_SOCKET_DIR_LEN - 30:
        return "/tmp"
    if as_root:
        p = Path(base).resolve()
        for part in [p, *p.parents]:
            if not (part.stat().st_mode & 0o001):  # others cannot traverse
                return "/tmp"
    return base


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no server log: {exc})"


def _postmaster_pid(datadir: Path) -> int | None:
    try:
        return int((datadir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def throwaway_postgres(
    *, user: str = PG_USER, database: str = PG_DATABASE
) -> Iterator[str]:
    """Start a private PostgreSQL server; yield its SQLAlchemy URL.

    The URL looks like
    ``postgresql+psycopg://ally_test@/ally_test?host=/tmp/pgtest-xxx&port=54321``
    (unix socket in the temporary folder, no TCP). On exit the server is
    stopped with ``pg_ctl -m immediate`` (no checkpoint: the data is thrown
    away) and the folder is deleted, also when the body raised.

    Raises RuntimeError (with the last 40 lines of the server log) if the
    binaries are missing or the server does not start.
    """
    import psycopg  # local import: only needed when a server is started

    bindir = find_pg_bin()
    if bindir is None or not (bindir / "initdb").is_file():
        raise RuntimeError(
            "PostgreSQL server binaries not found (looked at $PG_BIN, "
            "/usr/lib/postgresql/*/bin and PATH); install the `postgresql` package"
        )
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        if shutil.which("runuser") is None:
            raise RuntimeError("running as root but `runuser` is missing (util-linux)")
        prefix = ["runuser", "-u", _RUN_AS, "--"]
        account = _ensure_run_as_user()

    tmp = Path(tempfile.mkdtemp(prefix="pgtest-", dir=_base_tempdir(as_root)))
    datadir = tmp / "data"
    logfile = tmp / "server.log"
    port = _free_port()
    started = False

    def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        # cwd=tmp: initdb/postgres fail if they cannot access the current dir
        # (e.g. /root after runuser).
        return subprocess.run(
            [*prefix, *map(str, args)], cwd=tmp, check=check,
            capture_output=True, text=True, timeout=60,
        )

    try:
        if as_root:
            os.chown(tmp, account.pw_uid, account.pw_gid)

        try:
            run(bindir / "initdb", "-D", datadir, "-A", "trust", "-U", user,
                "--no-sync", "-E", "UTF8", "--locale=C")
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from exc

        # Test-only settings: see module docstring. Appended last, so they win.
        with (datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# tests/support/postgres.py: throwaway test server\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{tmp}'\n"
                "unix_socket_permissions = 0777\n"
                f"port = {port}\n"
                "max_connections = 100\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )

        started = True  # from here on, always try to stop on exit
        # -w: pg_ctl waits for the condition "the server accepts connections" (it polls
        # the server's status), with -t 30 as the deadline; no fixed delay anywhere.
        result = run(bindir / "pg_ctl", "-D", datadir, "-l", logfile,
                     "-w", "-t", "30", "start", check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- last 40 lines of {logfile.name} ---\n"
                f"{_tail(logfile)}"
            )

        with psycopg.connect(host=str(tmp), port=port, user=user,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')

        yield f"postgresql+psycopg://{user}@/{database}?host={tmp}&port={port}"
    finally:
        if started:
            _stop(run, bindir, datadir)
        shutil.rmtree(tmp, ignore_errors=True)


def _stop(run, bindir: Path, datadir: Path) -> None:
    """Stop the server; if pg_ctl fails, signal the postmaster we started."""
    pid = _postmaster_pid(datadir)
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        if run(bindir / "pg_ctl", "-D", datadir, "-m", "immediate", "-w",
               "-t", "30", "stop", check=False).returncode == 0:
            return
    if pid is None:
        return
    try:
        # A pidfd becomes readable when the process exits: wait for that, not a time.
        exited = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            readable, _, _ = select.select([exited], [], [], 5)  # deadline: 5 s per signal
            if readable:
                return
    finally:
        os.close(exited)


def postgres_url_or_start() -> contextlib.AbstractContextManager[str]:
    """Context manager yielding a PostgreSQL SQLAlchemy URL.

    ``DATABASE_URL`` is yielded unchanged when it starts with ``postgresql``
    (nothing is started or stopped); otherwise a :func:`throwaway_postgres`
    server is started for the duration of the block.
    """
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return contextlib.nullcontext(url)
    return throwaway_postgres()
