"""Load benchmark of the store's hot pages, measured against a bare Flask page.

What is measured: throughput (requests/s) and latency (p50, p99) of every page a
shopper hits in a purchase - home, a product page with a size chosen, the htmx variant
fragment the picker swaps in, the htmx "add to cart" POST, the htmx checkout summary
(with a cart in the session cookie) and an order's status page - served by gunicorn
(sync workers, the deployed staging settings) from a throw-away SQLite file built with
the real migrations and `flask ally seed`. Every request asks for compression, as a
browser does. Also printed: each page's weight over the wire (home and product with
every static file they load, against a 60 KB budget) and the store workers' memory
after the warm-up and after the whole run. Load comes from
`wrk` (Debian package) on the same machine; each target is warmed up for 2 s, then run
`--runs` times in rounds (every page once per round, the bare page before, between and
after them), and the medians are reported; a page's ratio to the bare page is the
median over rounds of its run against the mean of the two bare runs beside it, seconds
apart, so that a shared machine's slow spells weigh on both sides of the ratio. SQL
queries per request are counted in-process with the Flask test client.

Why a bare page is the yardstick: absolute numbers depend on the machine (and here wrk
and gunicorn share its CPUs), so they can't be compared across laptops or CI. The bare
page (`bench/bare_app.py`) is the least a page can cost on this stack - Flask routing,
one small SQL query through a SQLAlchemy pool, a one-line Jinja template, same
gunicorn settings - so "store ÷ bare" isolates what the store's own code adds and is
stable across machines. The aims: every page serves at least 0.5× the bare page's
requests/s, with a p99 at most 2× the bare page's p99. Missing an aim is reported, not
a failure.

Exit codes: 0 when the benchmark ran (whether or not pages meet the aims), 2 when a
row is broken (wrk saw non-2xx/3xx answers or socket errors: its numbers are not
valid), 1 when the benchmark itself could not run.

Usage: .venv/bin/python bench/run.py [--seconds 10] [--runs 3] [--connections 16]
                                      [--workers 2] [--lighthouse]
Results are written to bench/results/<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = ROOT / ".venv" / "bin"
RESULTS_DIR = BENCH_DIR / "results"
# The in-process measurements import the store from this checkout, like the servers
# (PYTHONPATH below): an editable install would otherwise point at another checkout.
if str(ROOT) not in sys.path[:2]:
    sys.path.insert(1, str(ROOT))

THREADS = 2
WARMUP_SECONDS = 2
AIM_THROUGHPUT_RATIO = 0.5  # page req/s >= 0.5 x bare req/s
AIM_P99_RATIO = 2.0  # page p99 <= 2 x bare p99
PAIRED_KEYS = ("requests_per_sec", "p99_us")  # what a page's run is compared on

PRODUCT_PATH = "/products/classic-pump"
PRODUCT_PICKS = {"colour": "black", "size": "8.5", "width": "M"}
HTMX_HEADERS = {"HX-Request": "true", "HX-Request-Type": "partial"}
# Every request asks for compression, as browsers do: the pages' numbers include it.
BROWSER_HEADERS = {"Accept-Encoding": "br, gzip"}
WEIGHT_BUDGET_BYTES = 60 * 1024  # home and product, with their CSS, scripts and images

LIGHTHOUSE = "lighthouse@12.2.3"
CHROME_PATH = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--no-first-run --disable-quic"
)


class BenchError(RuntimeError):
    """The benchmark itself could not run (as opposed to a slow page)."""


@dataclass
class Target:
    name: str
    server: str  # "store" or "bare"
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=lambda: dict(BROWSER_HEADERS))
    body: str | None = None
    expect: str | None = None  # a string the answer's body must contain
    reject: str | None = None  # a string it must not contain (a fragment has no <html>)


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_checked(cmd: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def apt_install(package: str, attempts: int = 30, wait: float = 10.0) -> bool:
    """`apt-get install -y package`, waiting while another apt holds the lock."""
    if os.geteuid() != 0:
        log(f"  not root: can't apt-get install {package}")
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    updated = False
    for _ in range(attempts):
        proc = subprocess.run(["apt-get", "install", "-y", package], env=env,
                              capture_output=True, text=True)
        if proc.returncode == 0:
            return True
        err = proc.stderr + proc.stdout
        if "Could not get lock" in err or "Unable to acquire" in err or "is another process" in err:
            log(f"  apt is locked by another process; retrying in {wait:.0f} s")
            time.sleep(wait)
            continue
        if not updated and ("Unable to locate" in err or "404" in err or "no installation candidate" in err):
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True)
            updated = True
            continue
        log(f"  apt-get install {package} failed:\n{err[-2000:]}")
        return False
    log(f"  apt stayed locked; gave up installing {package}")
    return False


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: apt-get install -y wrk")
    if apt_install("wrk") and shutil.which("wrk"):
        return shutil.which("wrk")  # type: ignore[return-value]
    raise BenchError("wrk is not installed and apt-get could not install it")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git_commit() -> str | None:
    """HEAD's commit, read from .git without running git (None if it can't be found)."""
    git = ROOT / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = (ROOT / git.read_text().split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head
        ref = head.split(":", 1)[1].strip()
        bases = [git]
        if (git / "commondir").is_file():
            bases.append((git / (git / "commondir").read_text().strip()).resolve())
        for base in bases:
            if (base / ref).is_file():
                return (base / ref).read_text().strip()
            if (base / "packed-refs").is_file():
                for line in (base / "packed-refs").read_text().splitlines():
                    if line.endswith(" " + ref):
                        return line.split()[0]
    except OSError:
        pass
    return None


def machine_info(wrk: str) -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "git_commit": git_commit(),
        "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu_model"] = model.group(1) if model else None
        mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        info["mem_total_mb"] = int(mem.group(1)) // 1024 if mem else None
    except OSError:
        pass
    version = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    info["wrk"] = (version.stdout + version.stderr).splitlines()[0] if (version.stdout + version.stderr) else None
    try:
        from importlib.metadata import version as pkg_version

        info["packages"] = {p: pkg_version(p) for p in ("flask", "gunicorn", "sqlalchemy", "jinja2")}
    except Exception:  # noqa: BLE001 - info only
        pass
    return info


# --------------------------------------------------------------------------- servers


class Servers:
    """gunicorn processes, each in its own process group, killed on close()."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, app: str, env: dict[str, str], workers: int) -> int:
        port = free_port()
        log_path = self.workdir / f"{name}-gunicorn.log"
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "--chdir", str(BENCH_DIR),
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--error-logfile", str(log_path),  # no --access-logfile: no access log
            "--log-level", "warning",
            app,
        ]
        env = dict(env, PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(ROOT)]))
        self.procs[name] = subprocess.Popen(
            cmd, env=env, cwd=BENCH_DIR, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.ports[name] = port
        self.logs[name] = log_path
        self._wait_ready(name)
        return port

    def _wait_ready(self, name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise BenchError(f"{name} server exited early:\n{self.log_tail(name)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.ports[name], timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"{name} server did not answer within {timeout:.0f} s:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        try:
            return "\n".join(self.logs[name].read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's session leader = its pid
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # SIGKILL anything left in the group (workers included)
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if proc.poll() is None:
                proc.wait(timeout=5)


# --------------------------------------------------------------------------- store data


def build_store_db(workdir: Path, env: dict[str, str]) -> None:
    flask = str(VENV_BIN / "flask")
    run_checked([flask, "db", "upgrade"], env, ROOT)
    out = run_checked([flask, "ally", "seed"], env, ROOT)
    log(f"  {out.strip()}")


def lookup_variant_id(db_path: Path) -> int:
    """The classic pump, black, 8.5 M - the product page's picks (any variant as a fallback)."""
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "SELECT v.id FROM variants v JOIN colours c ON c.id = v.colour_id "
            "JOIN styles s ON s.id = c.style_id "
            "WHERE s.slug = 'classic-pump' AND c.slug = 'black' AND v.size_halves = 17 AND v.width = 'M'"
        ).fetchone() or conn.execute("SELECT id FROM variants LIMIT 1").fetchone()
    if not row:
        raise BenchError("the seeded database has no variants")
    return int(row[0])


@dataclass
class Shopper:
    """What a shopper half way through a purchase brings: a session cookie holding a
    cart with one pair, and the signed link of an order's status page."""

    cookie: str
    order_path: str


def make_shopper(store_url: str, variant_id: int) -> Shopper:
    """Built in-process with the store's own code, signed with the server's key."""
    os.environ["DATABASE_URL"] = store_url
    from bench_config import BenchConfig

    from ally_web import create_app
    from ally_web.extensions import db
    from ally_web.models import Order
    from ally_web.services.orders.links import status_url

    config = type("ShopperBenchConfig", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": store_url})
    app = create_app(config)
    client = app.test_client()
    response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1, "style": "classic-pump",
                                              **PRODUCT_PICKS})
    if response.status_code != 303:
        raise BenchError(f"could not fill a cart: {response.status_code}")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        raise BenchError("adding to the cart set no session cookie")
    with app.app_context():
        order = db.session.scalars(db.select(Order).order_by(Order.id)).first()
        if order is None:
            raise BenchError("the seeded database has no order")
        with app.test_request_context():
            path = status_url(order, external=False)
    return Shopper(f"{cookie.key}={cookie.value}", path)


def make_targets(variant_id: int, shopper: Shopper) -> list[Target]:
    product = f"{PRODUCT_PATH}?{urlencode(PRODUCT_PICKS)}"
    cart_body = urlencode({"variant_id": variant_id, "quantity": 1, "style": "classic-pump", **PRODUCT_PICKS})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    summary_body = urlencode({"email": "ada@example.com", "country": "US", "region": "NY",
                              "shipping_method": "standard", "payment_mode": "card"})
    return [
        Target("home", "store", "/", expect="<html"),
        Target("product", "store", product, expect="<html"),
        Target("variant fragment (htmx)", "store", product, headers={**BROWSER_HEADERS, **HTMX_HEADERS},
               reject="<html"),
        Target("cart add (htmx POST)", "store", "/cart/add", method="POST",
               headers={**BROWSER_HEADERS, **form, **HTMX_HEADERS}, body=cart_body, reject="<html"),
        Target("checkout summary (htmx POST)", "store", "/checkout/summary", method="POST",
               headers={**BROWSER_HEADERS, **form, **HTMX_HEADERS, "Cookie": shopper.cookie}, body=summary_body,
               expect="Total", reject="<html"),
        Target("order status", "store", shopper.order_path, expect="<html"),
        Target("bare page", "bare", "/", expect="items in stock"),
    ]


def _request(client, target: Target):
    return client.open(target.path, method=target.method, headers=target.headers, data=target.body)


def cpu_ms_per_request(app, target: Target, batch: int = 50, batches: int = 5) -> float:
    """CPU time of this process per request, best batch: steadier than wall time on a busy box."""
    best = float("inf")
    for _ in range(batches):
        start = time.process_time()
        for _ in range(batch):
            _request(app.test_client(use_cookies=False), target)
        best = min(best, (time.process_time() - start) / batch)
    return best * 1000


def profile_in_process(store_url: str, bare_url: str, targets: list[Target]) -> dict[str, dict]:
    """Per page, in-process with the Flask test client and no cookies (like wrk):
    SQL statements per request (one request after a warm-up one) and CPU ms per request."""
    os.environ["DATABASE_URL"] = store_url
    os.environ["RATELIMIT_ENABLED"] = "0"
    os.environ["BARE_DATABASE_URL"] = bare_url
    import bare_app
    from bench_config import BenchConfig
    from sqlalchemy import event

    from ally_web import create_app
    from ally_web.extensions import db

    config = type("InProcessBenchConfig", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": store_url})
    store_app = create_app(config)
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    # Only fetch the engine inside an app context: requests must run outside one, or
    # they would share its `g` and SQLAlchemy session (identity map, cached CSRF token).
    with store_app.app_context():
        store_engine = db.engine
    engines = {"store": (store_app, store_engine), "bare": (bare_app.app, bare_app.engine)}
    results: dict[str, dict] = {}
    for _, engine in engines.values():
        event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for target in targets:
            app, _ = engines[target.server]
            for _attempt in ("warm-up", "counted"):
                statements.clear()
                response = _request(app.test_client(use_cookies=False), target)
            results[target.name] = {
                "queries": len(statements),
                "status": response.status_code,
                "bytes": len(response.get_data()),
                "sets_cookie": "Set-Cookie" in response.headers,
                "statements": [" ".join(s.split())[:160] for s in statements],
            }
    finally:
        for _, engine in engines.values():
            event.remove(engine, "before_cursor_execute", on_execute)
    for target in targets:
        results[target.name]["cpu_ms"] = cpu_ms_per_request(engines[target.server][0], target)
    for name, weight in page_weights(store_app, targets).items():
        results[name]["weight"] = weight
    return results


# --------------------------------------------------------------------------- wrk

LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for ASCII


def write_lua(target: Target, workdir: Path, index: int) -> Path:
    lines = [f"wrk.method = {lua_string(target.method)}"]
    if target.body is not None:
        lines.append(f"wrk.body = {lua_string(target.body)}")
    for key, value in target.headers.items():
        lines.append(f"wrk.headers[{lua_string(key)}] = {lua_string(value)}")
    path = workdir / f"target{index}.lua"
    path.write_text("\n".join(lines) + "\n" + LUA_DONE)
    return path


def run_wrk(wrk: str, url: str, script: Path, seconds: float, connections: int) -> dict:
    cmd = [wrk, f"-t{THREADS}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
           "--latency", "-s", str(script), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
    match = re.search(r"^BENCH_JSON (\{.*\})$", proc.stdout, re.M)
    if not match:
        raise BenchError(f"wrk printed no result line:\n{proc.stdout}{proc.stderr}")
    result = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", proc.stdout)
    result["non_2xx_3xx"] = int(non2xx.group(1)) if non2xx else 0
    result["requests_per_sec"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    result["wrk_output"] = proc.stdout
    return result


def smoke_check(target: Target, port: int) -> dict:
    """One request through gunicorn before the load: is the answer the page we mean?"""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(target.method, target.path, body=target.body, headers=target.headers)
        response = conn.getresponse()
        raw = response.read()
        body = decode(raw, response.getheader("Content-Encoding")).decode("utf-8", "replace")
    finally:
        conn.close()
    problems = []
    if not 200 <= response.status < 400:
        problems.append(f"status {response.status}")
    if target.expect and target.expect not in body:
        problems.append(f"body lacks {target.expect!r}")
    if target.reject and target.reject in body:
        problems.append(f"body contains {target.reject!r}")
    return {"status": response.status, "bytes": len(raw), "problems": problems}


def decode(raw: bytes, encoding: str | None) -> bytes:
    if encoding == "br":
        import brotli

        return brotli.decompress(raw)
    if encoding == "gzip":
        import gzip

        return gzip.decompress(raw)
    return raw


STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def page_weights(app, targets: list[Target]) -> dict[str, dict]:
    """Bytes over the wire, compressed as a browser asks: each page on its own, and for
    full pages (home, product) with every static file they link (CSS, scripts with
    htmx, icons, images), each file counted once."""
    weights: dict[str, dict] = {}
    client = app.test_client(use_cookies=False)
    for target in targets:
        if target.server != "store":
            continue
        response = _request(client, target)
        raw = response.get_data()
        html = decode(raw, response.headers.get("Content-Encoding")).decode("utf-8", "replace")
        assets = {}
        if "<html" in html:
            for url in sorted(set(STATIC_URL.findall(html))):
                assets[url] = len(client.get(url, headers=BROWSER_HEADERS).get_data())
        weights[target.name] = {"page": len(raw), "assets": assets, "total": len(raw) + sum(assets.values()),
                                "encoding": response.headers.get("Content-Encoding")}
    return weights


def worker_memory_kb(master_pid: int) -> dict[int, int]:
    """Resident memory (VmRSS, kB) of each gunicorn worker: the master's children."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s*(\d+)", text, re.M)
        rss = re.search(r"^VmRSS:\s*(\d+) kB", text, re.M)
        if ppid and rss and int(ppid.group(1)) == master_pid:
            found[int(status.parent.name)] = int(rss.group(1))
    return found


# --------------------------------------------------------------------------- lighthouse


def run_lighthouse(base_url: str, pages: dict[str, str], workdir: Path) -> dict:
    """Lighthouse 12 (mobile preset, simulated throttling) on the store; {} with a reason if it can't."""
    if not Path(CHROME_PATH).exists():
        log(f"Lighthouse: {CHROME_PATH} is missing: apt-get install -y chromium")
        if not apt_install("chromium") or not Path(CHROME_PATH).exists():
            return {"error": f"Chromium is not installed at {CHROME_PATH} and apt-get could not install it"}
    npx = shutil.which("npx")
    if not npx:
        return {"error": "npx (Node.js) is not installed"}
    lh_dir = workdir / "lighthouse"
    lh_dir.mkdir(exist_ok=True)
    env = dict(os.environ, CHROME_PATH=CHROME_PATH, npm_config_update_notifier="false")
    results: dict = {}
    for name, path in pages.items():
        report = lh_dir / f"{re.sub(r'[^a-z0-9]+', '-', name)}.json"
        cmd = [npx, "--yes", LIGHTHOUSE, base_url + path, "--output=json", f"--output-path={report}",
               "--only-categories=performance,accessibility", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}"]
        log(f"Lighthouse: {name} ({path})")
        try:
            proc = subprocess.run(cmd, cwd=lh_dir, env=env, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            results[name] = {"error": "Lighthouse took over 10 minutes"}
            continue
        if proc.returncode != 0 or not report.exists():
            results[name] = {"error": f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-1500:]}"}
            continue
        data = json.loads(report.read_text())
        cats = data.get("categories", {})
        audits = data.get("audits", {})

        def score(key: str, cats: dict = cats) -> int | None:
            value = cats.get(key, {}).get("score")
            return None if value is None else round(value * 100)

        failing = [
            audit_ref["id"] for audit_ref in cats.get("accessibility", {}).get("auditRefs", [])
            if audit_ref.get("weight") and (audits.get(audit_ref["id"], {}).get("score") not in (None, 1))
        ]
        results[name] = {
            "performance": score("performance"),
            "accessibility": score("accessibility"),
            "metrics": {
                key: audits.get(key, {}).get("displayValue")
                for key in ("first-contentful-paint", "largest-contentful-paint",
                            "total-blocking-time", "cumulative-layout-shift", "speed-index")
            },
            "accessibility_failures": failing,
            "runtime_error": (data.get("runtimeError") or {}).get("message"),
            "lighthouse_version": data.get("lighthouseVersion"),
        }
    return results


# --------------------------------------------------------------------------- report


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_table(rows: list[dict], args) -> None:
    headers = ["page", "req/s", "spread", "p50 ms", "p99 ms", "rps/bare", "p99/bare", "SQL", "CPU ms",
               "CPU/bare", "non-2xx/3xx", "verdict"]
    table = []
    for row in rows:
        table.append([
            row["name"],
            f"{row['requests_per_sec']:.0f}",
            f"±{row['rps_spread'] * 50:.0f}%" if len(row["runs"]) > 1 else "-",
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            fmt_ratio(row["rps_ratio"]),
            fmt_ratio(row["p99_ratio"]),
            str(row["sql_queries"]) if row["sql_queries"] is not None else "?",
            f"{row['cpu_ms']:.2f}" if row["cpu_ms"] is not None else "?",
            fmt_ratio(row["cpu_ratio"]),
            str(row["non_2xx_3xx"]) + (f" (+{row['socket_errors']} socket)" if row["socket_errors"] else ""),
            row["verdict"],
        ])
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i in (0, len(cells) - 1) else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    print()
    print(f"wrk: {THREADS} threads, {args.connections} connections, {args.runs} x {args.seconds:g} s "
          f"(after {WARMUP_SECONDS} s warm-up), medians; gunicorn: {args.workers} sync workers")
    print(f"aims: req/s >= {AIM_THROUGHPUT_RATIO}x bare, p99 <= {AIM_P99_RATIO}x bare p99; "
          "ratios: the median over rounds of page / the bare runs just before and after it; "
          "spread = half the req/s range across runs, relative to the median")
    print("SQL and CPU ms: in-process (Flask test client, no cookies), CPU time per request, "
          "best of 5 batches: a check on wrk's numbers when the machine is busy")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for cells in table:
        print(line(cells))


def print_memory(memory: dict) -> None:
    before, after = sum(memory["before_kb"].values()), sum(memory["after_kb"].values())
    growth = (after - before) / before if before else 0.0
    verdict = "within 10%" if growth <= 0.10 else "GREW MORE THAN 10%"
    print()
    print(f"store workers' memory (RSS, {len(memory['after_kb'])} workers): {before / 1024:.1f} MB after the "
          f"warm-up, {after / 1024:.1f} MB after {memory['load_seconds']:.0f} s of load ({growth:+.1%}): {verdict}")


def print_weights(sql: dict[str, dict]) -> None:
    print()
    print(f"Weight over the wire (Accept-Encoding: {BROWSER_HEADERS['Accept-Encoding']}); budget for home and "
          f"product with everything they link: {WEIGHT_BUDGET_BYTES / 1024:.0f} KB")
    for name, info in sql.items():
        weight = info.get("weight")
        if not weight:
            continue
        line = f"  {name}: {weight['page'] / 1024:.1f} KB ({weight['encoding'] or 'not compressed'})"
        if weight["assets"]:
            verdict = "within budget" if weight["total"] <= WEIGHT_BUDGET_BYTES else "OVER BUDGET"
            line += (f", with {len(weight['assets'])} static files {weight['total'] / 1024:.1f} KB: {verdict}")
        print(line)


def summarize(target: Target, runs: list[dict], sql: dict | None) -> dict:
    med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    return {
        "name": target.name,
        "server": target.server,
        "method": target.method,
        "path": target.path,
        "headers": target.headers,
        "body": target.body,
        "requests_per_sec": med("requests_per_sec"),
        # (max - min) / median of req/s across runs: how noisy this machine was.
        "rps_spread": (max(r["requests_per_sec"] for r in runs) - min(r["requests_per_sec"] for r in runs))
        / med("requests_per_sec"),
        "p50_ms": med("p50_us") / 1000,
        "p90_ms": med("p90_us") / 1000,
        "p99_ms": med("p99_us") / 1000,
        "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "sql_queries": sql["queries"] if sql else None,
        "cpu_ms": sql["cpu_ms"] if sql else None,
        "sql_detail": sql,
        "runs": [{k: v for k, v in r.items() if k != "wrk_output"} for r in runs],
        "wrk_output_last_run": runs[-1]["wrk_output"],
    }


def paired_ratio(runs: list[dict], key: str) -> float | None:
    """The median over rounds of page ÷ bare page, each run against the mean of the
    two bare runs beside it."""
    ratios = [run[key] / run["bare_beside"][key] for run in runs if run["bare_beside"][key]]
    return statistics.median(ratios) if ratios else None


def judge(rows: list[dict]) -> None:
    bare = next(r for r in rows if r["server"] == "bare")
    for row in rows:
        paired = row is not bare
        row["rps_ratio"] = paired_ratio(row["runs"], "requests_per_sec") if paired else 1.0
        row["p99_ratio"] = paired_ratio(row["runs"], "p99_us") if paired else 1.0
        row["cpu_ratio"] = (row["cpu_ms"] / bare["cpu_ms"]) if row["cpu_ms"] and bare["cpu_ms"] else None
        broken = row["non_2xx_3xx"] > 0 or row["socket_errors"] > 0 or row.get("smoke_problems")
        if broken:
            reasons = []
            if row["non_2xx_3xx"]:
                reasons.append(f"{row['non_2xx_3xx']} non-2xx/3xx")
            if row["socket_errors"]:
                reasons.append(f"{row['socket_errors']} socket errors")
            reasons += row.get("smoke_problems") or []
            row["verdict"] = "BROKEN: " + ", ".join(reasons)
            row["meets_aim"] = None
        elif row["server"] == "bare":
            row["verdict"] = "(yardstick)"
            row["meets_aim"] = None
        else:
            ok = (row["rps_ratio"] is not None and row["rps_ratio"] >= AIM_THROUGHPUT_RATIO
                  and row["p99_ratio"] is not None and row["p99_ratio"] <= AIM_P99_RATIO)
            row["meets_aim"] = ok
            row["verdict"] = "meets aim" if ok else "below aim"


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per page; medians are reported (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server (default 2)")
    parser.add_argument("--lighthouse", action="store_true", help=f"also run {LIGHTHOUSE} on home and product")
    parser.add_argument("--profile-only", action="store_true",
                        help="only count SQL and CPU per page in-process (no servers, no wrk)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (DB, logs, Lua scripts)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.seconds <= 0 or args.connections < THREADS or args.workers < 1:
        parser.error("--runs >= 1, --seconds > 0, --connections >= 2 and --workers >= 1 please")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (and SIGHUP) unwind like Ctrl+C, so the finally below kills the servers.
    def interrupt(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored

    try:
        wrk = ensure_wrk()
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 1
    started = datetime.now(UTC)
    machine = machine_info(wrk)
    load, cpus = (machine["loadavg_at_start"] or [0])[0], machine["nproc"] or 1
    if load > 0.5 * cpus:
        log(f"note: load average is {load:.1f} on {cpus} CPUs before the run: other work will add noise")
    workdir = Path(tempfile.mkdtemp(prefix="ally-bench-"))
    servers = Servers(workdir)
    try:
        store_db = workdir / "bench.sqlite3"
        bare_db = workdir / "bare.sqlite3"
        store_url = f"sqlite:///{store_db}"
        bare_url = f"sqlite:///{bare_db}"
        base_env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "PYTHONPATH")}
        store_env = dict(base_env, FLASK_APP="ally_web:create_app", ALLY_CONFIG="development",
                         DATABASE_URL=store_url, RATELIMIT_ENABLED="0")
        bare_env = dict(base_env, BARE_DATABASE_URL=bare_url)

        log(f"Building the store DB in {workdir} (migrations + seed)")
        build_store_db(workdir, store_env)
        variant_id = lookup_variant_id(store_db)
        targets = make_targets(variant_id, make_shopper(store_url, variant_id))
        run_checked([str(VENV_BIN / "python"), str(BENCH_DIR / "bare_app.py")], bare_env, BENCH_DIR)

        log("Counting SQL queries and CPU time per request (in-process)")
        sql = profile_in_process(store_url, bare_url, targets)
        for name, info in sql.items():
            log(f"  {name}: {info['queries']} queries, {info['cpu_ms']:.2f} CPU ms, status {info['status']}, "
                f"{info['bytes']} bytes{', sets a cookie' if info['sets_cookie'] else ''}")
        print_weights(sql)
        if args.profile_only:
            for name, info in sql.items():
                log(f"  {name}:\n    " + "\n    ".join(info["statements"]))
            return 0

        log(f"Starting gunicorn ({args.workers} sync workers each)")
        ports = {
            "store": servers.start("store", "bench_wsgi:app", store_env, args.workers),
            "bare": servers.start("bare", "bare_app:app", bare_env, args.workers),
        }

        # Warm every target up, then measure in rounds: each round runs every page once,
        # with the bare page run before the first page, between every two and after
        # the last. A page's ratio is taken against the two bare runs on either side
        # of it, seconds apart, so a slow spell on a shared machine weighs on both
        # sides of the ratio instead of skewing one page.
        scripts, urls, smokes = {}, {}, {}
        for index, target in enumerate(targets):
            port = ports[target.server]
            smokes[target.name] = smoke_check(target, port)
            if smokes[target.name]["problems"]:
                log(f"  {target.name}: smoke check: {', '.join(smokes[target.name]['problems'])}")
            scripts[target.name] = write_lua(target, workdir, index)
            urls[target.name] = f"http://127.0.0.1:{port}{target.path}"
            log(f"{target.name}: warm-up {WARMUP_SECONDS} s")
            run_wrk(wrk, urls[target.name], scripts[target.name], WARMUP_SECONDS, args.connections)
        memory_before = worker_memory_kb(servers.procs["store"].pid)
        load_started = time.monotonic()
        all_runs: dict[str, list[dict]] = {t.name: [] for t in targets}
        bare = next(t for t in targets if t.server == "bare")
        pages = [t for t in targets if t is not bare]

        def measure(target: Target) -> dict:
            result = run_wrk(wrk, urls[target.name], scripts[target.name], args.seconds, args.connections)
            log(f"  {target.name}: {result['requests_per_sec']:.0f} req/s, p50 {result['p50_us'] / 1000:.1f} ms, "
                f"p99 {result['p99_us'] / 1000:.1f} ms"
                + (f", NON-2xx/3xx {result['non_2xx_3xx']}" if result["non_2xx_3xx"] else "")
                + (f", socket errors {result['socket_errors']}" if result["socket_errors"] else ""))
            all_runs[target.name].append(result)
            return result

        for n in range(args.runs):
            log(f"round {n + 1} of {args.runs} ({args.seconds:g} s per run, the bare page between pages)")
            before = measure(bare)
            for target in pages:
                result = measure(target)
                after = measure(bare)
                result["bare_beside"] = {key: (before[key] + after[key]) / 2 for key in PAIRED_KEYS}
                before = after
        rows = []
        for target in targets:
            row = summarize(target, all_runs[target.name], sql.get(target.name))
            row["smoke"] = smokes[target.name]
            row["smoke_problems"] = smokes[target.name]["problems"]
            rows.append(row)
        for name in servers.procs:
            if servers.procs[name].poll() is not None:
                raise BenchError(f"{name} server died during the run:\n{servers.log_tail(name)}")
        server_errors = {name: servers.log_tail(name) for name in servers.procs}
        memory = {"before_kb": memory_before, "after_kb": worker_memory_kb(servers.procs["store"].pid),
                  "load_seconds": time.monotonic() - load_started}

        judge(rows)
        print_table(rows, args)
        print_memory(memory)

        lighthouse = None
        if args.lighthouse:
            product = f"{PRODUCT_PATH}?{urlencode(PRODUCT_PICKS)}"
            lighthouse = run_lighthouse(f"http://127.0.0.1:{ports['store']}",
                                        {"home": "/", "product": product}, workdir)
            print()
            print(f"Lighthouse {LIGHTHOUSE.split('@')[1]} (mobile preset, simulated throttling):")
            if "error" in lighthouse:
                print(f"  could not run: {lighthouse['error']}")
            for name, result in lighthouse.items():
                if not isinstance(result, dict):
                    continue
                if "error" in result:
                    print(f"  {name}: could not run: {result['error']}")
                    continue
                print(f"  {name}: performance {result['performance']}, accessibility {result['accessibility']}"
                      + (f" (failing: {', '.join(result['accessibility_failures'])})"
                         if result["accessibility_failures"] else ""))
                metrics = ", ".join(f"{k.replace('-', ' ')} {v}" for k, v in result["metrics"].items() if v)
                print(f"    {metrics}")

        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        out.write_text(json.dumps({
            "started_utc": started.isoformat(),
            "settings": {"seconds": args.seconds, "runs": args.runs, "connections": args.connections,
                         "threads": THREADS, "workers": args.workers, "warmup_seconds": WARMUP_SECONDS,
                         "config": "development + BenchConfig (CSRF and rate limits off)"},
            "aims": {"throughput_ratio_min": AIM_THROUGHPUT_RATIO, "p99_ratio_max": AIM_P99_RATIO},
            "machine": {**machine, "loadavg_at_end": os.getloadavg()},
            "variant_id": variant_id,
            "rows": rows,
            "store_worker_memory": memory,
            "server_error_logs": server_errors,
            "lighthouse": lighthouse,
        }, indent=2, default=str))
        print()
        print(f"load average {machine['loadavg_at_start'][0]:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"({machine['nproc']} CPUs, shared by wrk and both servers)")
        print(f"results: {out}")
        return 2 if any(r["verdict"].startswith("BROKEN") for r in rows) else 0
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        servers.close()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
