"""Serving in production: probes, request ids and JSON logs, static files with hashed
names, compression, ETags, and the page weight budget."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import runpy
import subprocess
import sys

import brotli
import pytest
from flask_migrate import upgrade

from ally_web.observability import JsonFormatter
from tests.conftest import running_app
from tests.support.servers import ROOT

BROWSER = {"Accept-Encoding": "br, gzip"}
WEIGHT_BUDGET = 60 * 1024
STATIC = re.compile(r'(?:src|href)="(/static/[^"]+)"')


# A fragment that carries no form token: the picker before a size is chosen.
TOKENLESS_FRAGMENT = "/products/classic-pump?colour=black"


def test_healthz_answers_without_a_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"process": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_what_is_not_ready(client):
    # The suite's database is built without migrations: not at head.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["redis"] == "not used"
    assert response.json["failed"] == ["migrations"]


def test_readyz_is_ready_once_migrated_and_says_when_redis_is_down(real_database_url):
    with running_app(seed=False, SQLALCHEMY_DATABASE_URI=real_database_url) as app:
        from ally_web.extensions import db

        db.drop_all()
        upgrade()
        assert app.test_client().get("/readyz").json == {
            "database": "ok", "redis": "not used", "migrations": "ok", "failed": []}
    with running_app(seed=False, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as app:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert "redis" in response.json["failed"] and response.json["redis"].startswith("unreachable")


def test_a_sane_request_id_is_kept_and_any_other_is_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-4f2a9c1e"}).headers["X-Request-ID"] == "lb-4f2a9c1e"
    for bad in ("short", "x" * 200, "two words here", "<script>alert(1)</script>"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert answered != bad and re.fullmatch(r"[0-9a-f]{32}", answered)
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_log_lines_are_json_with_the_request_id(app, caplog):
    @app.get("/test-logs")
    def log_something():
        logging.getLogger("ally_web.test").warning("Something to see", extra={"order_id": 7})
        return "ok"

    with caplog.at_level(logging.WARNING, logger="ally_web.test"):
        response = app.test_client().get("/test-logs", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 200
    record = next(r for r in caplog.records if r.name == "ally_web.test")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-12345678"
    assert line["message"] == "Something to see" and line["level"] == "WARNING" and line["order_id"] == 7


def test_static_files_have_hashed_names_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.([0-9a-f]{12})\.css)"', html)
    assert css, "the stylesheet's address carries its hash"
    response = client.get(css.group(1), headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"
    vary = response.headers.getlist("Vary")
    assert len(vary) == 1 and "Accept-Encoding" in vary[0]  # one header, merged
    assert b".skip-link" in brotli.decompress(response.get_data())
    assert client.get(css.group(1), headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    # The browser's copy is still good: 304, no body.
    again = client.get(css.group(1), headers={**BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_static_file_under_another_deploys_hash_is_served_but_not_kept(client):
    response = client.get("/static/css/site.0123456789ab.css")
    assert response.status_code == 200 and b".skip-link" in response.get_data()
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_pages_are_compressed_and_answer_304_when_unchanged(client, htmx_headers):
    response = client.get("/faq", headers=BROWSER)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"<html" in brotli.decompress(response.get_data())
    assert gzip.decompress(client.get("/faq", headers={"Accept-Encoding": "gzip"}).get_data()).startswith(b"<!")
    fragment = client.get(TOKENLESS_FRAGMENT, headers={**htmx_headers, **BROWSER})
    assert fragment.status_code == 200 and fragment.headers["Content-Encoding"] == "br"
    again = client.get(TOKENLESS_FRAGMENT, headers={**htmx_headers, **BROWSER, "If-None-Match": fragment.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_page_that_carries_a_form_token_gets_no_etag(htmx_headers):
    """The token is signed with the second it was made, so no two copies of such a page
    are ever the same: hashing it for an ETag would be work for nothing."""
    with running_app(WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        page = client.get("/faq", headers=BROWSER)
        assert "X-CSRFToken" in brotli.decompress(page.get_data()).decode()
        assert page.status_code == 200 and "ETag" not in page.headers
        # The picker with a size chosen: its add-to-cart form carries one too.
        chosen = client.get("/products/classic-pump?colour=black&size=8.5&width=M",
                            headers={**htmx_headers, **BROWSER})
        assert 'name="csrf_token"' in brotli.decompress(chosen.get_data()).decode()
        assert chosen.status_code == 200 and "ETag" not in chosen.headers
        # Before a size is chosen there is no form: a new visitor's picker gets an ETag
        # and no cookie.
        tokenless = app.test_client().get(TOKENLESS_FRAGMENT, headers={**htmx_headers, **BROWSER})
        assert "ETag" in tokenless.headers and "Set-Cookie" not in tokenless.headers


def test_each_encoding_of_a_page_has_its_own_etag(client, htmx_headers):
    def get(accept: str, **extra: str):
        return client.get(TOKENLESS_FRAGMENT, headers={**htmx_headers, "Accept-Encoding": accept, **extra})

    brotli_page, gzip_page = get("br"), get("gzip")
    assert brotli_page.headers["Content-Encoding"] == "br" and gzip_page.headers["Content-Encoding"] == "gzip"
    assert brotli_page.headers["ETag"] != gzip_page.headers["ETag"]
    # A brotli copy is no answer to a browser that asks for gzip only: it gets the page.
    crossed = get("gzip", **{"If-None-Match": brotli_page.headers["ETag"]})
    assert crossed.status_code == 200 and b'id="variant-view"' in gzip.decompress(crossed.get_data())
    plain = get("identity")
    assert "Content-Encoding" not in plain.headers and b'id="variant-view"' in plain.get_data()
    assert get("identity", **{"If-None-Match": plain.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize(("accept", "expected"), [
    ("gzip;q=1, br;q=0.5", "gzip"),  # the browser's ranking wins
    ("br;q=0, gzip", "gzip"),  # q=0 means "not this one"
    ("gzip, br", "br"),  # a tie: brotli, the smaller
    ("*", "br"),
])
def test_a_page_goes_in_the_encoding_the_browser_ranks_highest(client, accept, expected):
    response = client.get("/faq", headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == expected


def test_a_small_fragment_goes_as_it_is_but_still_varies_on_accept_encoding(client, htmx_headers):
    count = client.get("/cart/count", headers={**htmx_headers, **BROWSER})
    assert count.status_code == 200 and len(count.get_data()) < 500
    assert "Content-Encoding" not in count.headers
    assert "Accept-Encoding" in count.headers["Vary"] and "HX-Request" in count.headers["Vary"]


@pytest.mark.parametrize(("current", "expected"), [
    (None, "HX-Request, Accept-Encoding"),
    ("Cookie", "Cookie, HX-Request, Accept-Encoding"),
    ("cookie, hx-request", "cookie, hx-request, Accept-Encoding"),  # names are case-blind
    ("Accept-Encoding,HX-Request", "Accept-Encoding,HX-Request"),  # nothing to add: untouched
    ("*", "*"),  # already depends on everything
    ("", "HX-Request, Accept-Encoding"),
])
def test_vary_gains_only_the_names_it_lacks_in_one_header(current, expected):
    from werkzeug.datastructures import Headers

    from ally_web.htmx import add_to_vary

    headers = Headers([("Vary", current)] if current is not None else [])
    add_to_vary(headers, ("HX-Request", "Accept-Encoding"), current)
    assert headers.getlist("Vary") == [expected]


def test_private_pages_get_no_etag(client):
    response = client.get("/pages/order-lookup")
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers


@pytest.mark.parametrize("path", ["/", "/products/classic-pump?colour=black&size=8.5&width=M"])
def test_home_and_product_weigh_under_60_kb_with_everything_they_load(client, path):
    page = client.get(path, headers=BROWSER)
    html = brotli.decompress(page.get_data()).decode()
    assets = sorted(set(STATIC.findall(html)))
    assert any("htmx" in a for a in assets) and any(a.endswith(".css") for a in assets)
    total = len(page.get_data()) + sum(len(client.get(a, headers=BROWSER).get_data()) for a in assets)
    assert total < WEIGHT_BUDGET, f"{path} weighs {total} bytes over the wire"


def test_the_gunicorn_settings_size_workers_from_the_cpus(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == 9
    assert settings["timeout"] > 0 and settings["graceful_timeout"] > 0 and settings["max_requests"] > 0
    assert settings["accesslog"] == "-"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_the_start_line_reports_the_settings_the_command_line_left(monkeypatch):
    """`scripts/serve` passes --workers 2 over the file's CPU-sized default: the log's
    start line must say 2."""
    from types import SimpleNamespace

    from gunicorn.config import Config

    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("bind", ["127.0.0.1:5077"])
    cfg.set("workers", 2)
    cfg.set("timeout", 30)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("gunicorn.error")
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "level", logging.INFO)
    try:
        settings["on_starting"](SimpleNamespace(cfg=cfg))
    finally:
        logger.removeHandler(handler)
    assert [json.loads(r.getMessage().removeprefix("Starting ")) for r in records] == [
        {"bind": ["127.0.0.1:5077"], "workers": 2, "timeout": 30}]


def test_the_wsgi_entry_freezes_what_start_up_built(tmp_path):
    """Start-up's objects are left out of the collector's sweeps (wsgi.py says why)."""
    result = subprocess.run(
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}"},
        capture_output=True, text=True, timeout=120, check=True)
    assert int(result.stdout) > 10_000  # the app, its modules and templates: about 150,000
