"""The application core: configuration, security headers, htmx helpers, error pages."""

import re

import pytest
from flask import Blueprint

from ally_web import create_app
from ally_web.config import ProductionConfig
from ally_web.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_from, make_app, running_app


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


PRODUCTION_ENV = {
    "DATABASE_URL": "sqlite://",
    "SECRET_KEY": "5f0c2e9a7b4d81c3e6a09f7d2b5c8e1a4f7b0c3d",
    "PAYMENTS_PROVIDER": "stripe",
    "PAYMENTS_WEBHOOK_SECRET": "whsec_Q2x9Lm4Rt7Vb1Nz8Kp3Hd6Fs0Gy5Jw2A",
    "TRACKING_WEBHOOK_SECRET": "trk_8Hn3Qe6Tz1Wc4Vb7Mx0Lp9Ks2Jd5Fg8Ra",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "SMTP_URL": "smtp://127.0.0.1:25",
    "PUBLIC_BASE_URL": "https://www.ally.nyc",
}


@pytest.fixture
def production_env(monkeypatch):
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    # Only the sandbox ships so far: a stand-in registered as "stripe" plays the real adapter.
    from ally_web.gateways import payments

    monkeypatch.setitem(payments.PROVIDERS, "stripe", payments.SandboxGateway)

    class Prod(ProductionConfig):
        SECRET_KEY = PRODUCTION_ENV["SECRET_KEY"]
        TRUSTED_HOSTS = ["www.ally.nyc"]

    return Prod


def test_production_cookies_are_secure_with_the_host_prefix(production_env):
    app = create_app(production_env)
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("PAYMENTS_PROVIDER", "sandbox", "sandbox"),
        ("RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI"),
        ("SMTP_URL", "", "SMTP_URL"),
        ("TRACKING_WEBHOOK_SECRET", "short", "TRACKING_WEBHOOK_SECRET"),
        ("PAYMENTS_WEBHOOK_SECRET", "short", "PAYMENTS_WEBHOOK_SECRET"),
        # What production cannot run with (issue #10, point 4):
        ("PAYMENTS_PROVIDER", "strpie", "PAYMENTS_PROVIDER"),
        ("PUBLIC_BASE_URL", "http://www.ally.nyc", "https://"),
        ("SECRET_KEY", "a" * 64, "SECRET_KEY"),
        ("SECRET_KEY", "abcabcabcabcabcabcabcabcabcabcabcabc", "SECRET_KEY"),
        ("PAYMENTS_WEBHOOK_SECRET", PRODUCTION_ENV["SECRET_KEY"], "PAYMENTS_WEBHOOK_SECRET.*SECRET_KEY"),
        ("TRACKING_WEBHOOK_SECRET", PRODUCTION_ENV["SECRET_KEY"], "TRACKING_WEBHOOK_SECRET.*SECRET_KEY"),
        ("TRACKING_WEBHOOK_SECRET", PRODUCTION_ENV["PAYMENTS_WEBHOOK_SECRET"], "TRACKING_WEBHOOK_SECRET.*PAYMENTS"),
    ],
)
def test_production_refuses_settings_only_safe_on_a_laptop(production_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        create_app(production_env)


def test_production_answers_only_its_own_host(production_env):
    client = create_app(production_env).test_client()
    assert client.get("/faq", base_url="https://evil.example").status_code == 400


def test_proxy_fix_reads_the_client_address_from_the_proxy():
    app = make_app(PROXY_FIX_HOPS=1)
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["addr"] = request.remote_addr
        return "ok"

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["addr"] == "203.0.113.9"


@pytest.mark.parametrize("url", ["/", "/shop", "/products/classic-pump", "/cart", "/faq", "/nope", "/static/css/site.css"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_cookies_are_httponly_and_samesite(client):
    client.post("/cart/add", data={"variant_id": "1", "quantity": "1", "style": "classic-pump"})
    cookie = client.get_cookie("ally_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_pages_have_landmarks_skip_link_and_the_vendored_htmx(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert re.search(r'src="/static/vendor/htmx-4\.0\.1\.min\.[0-9a-f]{12}\.js"', html)  # its content's hash in the name
    assert "hx-headers:inherited" in html  # CSRF travels as a header on htmx requests


def test_a_partial_without_htmx_headers_is_not_varied(client):
    response = client.get("/faq")
    assert "HX-Request" not in response.headers.get("Vary", "")


# --- error pages ---------------------------------------------------------------------


def test_404_full_page_and_partial(client, htmx_headers):
    full = client.get("/no/such/page")
    assert full.status_code == 404 and "We could not find that page" in full.get_data(as_text=True)
    assert "<html" in full.get_data(as_text=True)
    partial = client.get("/no/such/page", headers=htmx_headers)
    assert partial.status_code == 404
    assert partial.headers["HX-Retarget"] == "#messages"
    assert "<html" not in partial.get_data(as_text=True)
    assert 'role="alert"' in partial.get_data(as_text=True)


def _failing_app():
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("kaboom")

    app.register_blueprint(boom)
    return app


def test_500_full_page_and_partial_hide_the_details():
    app = _failing_app()
    with app.app_context():
        client = app.test_client()
        full = client.get("/boom")
        assert full.status_code == 500
        html = full.get_data(as_text=True)
        assert "Something went wrong on our side" in html and "kaboom" not in html
        partial = client.get("/boom", headers={"HX-Request": "true"})
        assert partial.status_code == 500 and partial.headers["HX-Retarget"] == "#messages"


def test_405_for_the_wrong_method(client):
    assert client.get("/cart/add").status_code == 405


# --- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app():
    with running_app(seed=False, WTF_CSRF_ENABLED=True) as app:
        yield app


def test_forms_without_a_csrf_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/cart/add", data={"variant_id": "1", "quantity": "1"})
    assert response.status_code == 400
    assert "open for too long" in response.get_data(as_text=True)


def test_htmx_sends_csrf_as_a_header(csrf_app):
    client = csrf_app.test_client()
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(
        "/cart/add",
        data={"variant_id": "2000000000", "quantity": "1", "style": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 404  # past CSRF; the shoe itself does not exist


def test_expired_csrf_in_a_partial_sends_the_browser_to_a_full_page(csrf_app):
    client = csrf_app.test_client()
    client.get("/")
    response = client.post(
        "/cart/add",
        data={"variant_id": "1", "quantity": "1"},
        headers={"HX-Request": "true", "X-CSRFToken": "stale", "HX-Current-URL": "http://localhost/products/classic-pump?size=8"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/products/classic-pump?size=8"
    page = client.get("/products/classic-pump?size=8").get_data(as_text=True)
    assert "open for too long" in page


def test_hx_current_url_from_another_site_is_not_followed(csrf_app):
    client = csrf_app.test_client()
    response = client.post(
        "/cart/add", data={}, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"}
    )
    assert response.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("GET", "/products/classic-pump?size=8%00", None),
        ("GET", "/products/bad%00slug", None),
        ("POST", "/cart/add", {"variant_id": "1\x00", "quantity": "1", "style": "classic-pump"}),
        ("POST", "/staff/sign-in", {"email": "a@b.com\x00", "password": "x"}),
    ],
)
def test_nul_bytes_are_a_clear_400_on_every_database(client, method, url, data):
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "characters we cannot accept" in response.get_data(as_text=True)



# --- production headers: Mozilla HTTP Observatory's rubric (issue #10, point 1) ----------------


@pytest.fixture
def production_client(production_env):
    from ally_web.extensions import db

    class Served(production_env):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Served)
    with app.app_context():
        db.create_all()
    return app.test_client()


SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def test_a_production_response_scores_a_plus_on_the_observatory_rubric(production_client):
    response = production_client.get("/staff/sign-in", base_url="https://www.ally.nyc")
    assert response.status_code == 200
    headers = response.headers
    # Content Security Policy: no unsafe-inline/-eval, no wildcard sources, objects and framing off.
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in headers["Content-Security-Policy"].split(";") if part.strip()
    )
    assert directives["default-src"] == ["'self'"]
    unsafe = {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}
    assert not unsafe & set(directives["script-src"]) and not unsafe & set(directives["style-src"])
    assert not {"*", "http:", "https:"} & set(directives["img-src"])  # data: images are fine
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"] and directives["form-action"] == ["'self'"]
    # Strict-Transport-Security: at least six months.
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # X-Content-Type-Options, X-Frame-Options (and frame-ancestors above), Referrer-Policy.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in SAFE_REFERRER_POLICIES
    # CORS: never a wildcard (never any Access-Control-Allow-Origin at all).
    assert "Access-Control-Allow-Origin" not in headers
    # Cookies: Secure, HttpOnly, SameSite, and the __Host- prefix (Path=/, no Domain).
    cookies = headers.getlist("Set-Cookie")
    assert cookies, "the sign-in form keeps its CSRF token in the session cookie"
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert cookie.startswith("__Host-")
        assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes
        assert "path=/" in attributes and not any(a.startswith("domain=") for a in attributes)


@pytest.mark.parametrize("method, status", [("GET", 301), ("HEAD", 301), ("POST", 308)])
def test_production_redirects_plain_http_to_https_on_the_same_host(production_client, method, status):
    response = production_client.open("/faq?x=1", method=method, base_url="http://www.ally.nyc")
    assert response.status_code == status
    assert response.headers["Location"] == "https://www.ally.nyc/faq?x=1"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("url", ["/", "/faq", "/nope", "/static/css/site.css"])
def test_hsts_is_on_every_production_response(production_client, url):
    response = production_client.get(url, base_url="https://www.ally.nyc")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_outside_production_over_plain_http(client):
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
    assert client.get("/faq").status_code == 200  # and no redirect to https either
