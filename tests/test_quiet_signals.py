"""Signals that were too quiet, or said too much (issue #10, point 9): CSRF failures
on htmx requests reach the log; the webhooks answer errors as JSON; the rate-limited
forms do not tell a stranger how many tries are left."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import running_app


def test_a_csrf_failure_on_an_htmx_request_is_logged_as_a_warning(caplog):
    with running_app(seed=False, WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        client.get("/")
        with caplog.at_level(logging.INFO):
            response = client.post("/cart/add", data={"variant_id": "1", "quantity": "1"},
                                   headers={"HX-Request": "true", "X-CSRFToken": "stale"})
    assert response.status_code == 204 and response.headers["HX-Redirect"]
    logged = [r for r in caplog.records if r.levelno == logging.WARNING and "CSRF" in r.getMessage()]
    assert logged and "/cart/add" in logged[0].getMessage()


@pytest.mark.parametrize("path", ["/webhooks/payments", "/webhooks/tracking"])
def test_webhook_errors_answer_json(client, path):
    bad_signature = client.post(path, data=b'{"type": "x"}', headers={"Content-Type": "application/json"})
    assert bad_signature.status_code == 400
    assert bad_signature.is_json and bad_signature.get_json() == {"error": "Bad signature."}

    wrong_method = client.get(path)
    assert wrong_method.status_code == 405
    assert wrong_method.is_json and wrong_method.get_json()["error"]
    assert "POST" in wrong_method.headers["Allow"]

    too_big = client.post(path, data=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert too_big.status_code == 413
    assert too_big.is_json and too_big.get_json()["error"]


def test_an_unreadable_but_signed_tracking_event_answers_json(client, app):
    from ally_web.gateways.carriers import webhooks as tracking_webhooks

    body = b'{"event_id": "e1"}'
    signature = tracking_webhooks.signature(body, app.config["TRACKING_WEBHOOK_SECRET"])
    response = client.post("/webhooks/tracking", data=body, headers={tracking_webhooks.SIGNATURE_HEADER: signature})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Unreadable tracking event."}


def test_other_pages_keep_their_html_error_pages(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, data", [
    ("/pages/order-lookup", {"email": "a@example.com", "number": "AAAA-BBBB"}),
    ("/staff/sign-in", {"email": "who@example.com", "password": "guess"}),
])
def test_rate_limited_forms_do_not_send_the_rate_limit_headers(url, data):
    with running_app(seed=False, RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="2 per minute",
                     LOGIN_RATE_LIMIT="2 per minute") as app:
        client = app.test_client()
        responses = [client.post(url, data=data) for _ in range(3)]
    assert [r.status_code for r in responses] == [422, 422, 429]
    for response in responses:
        assert not [name for name, _ in response.headers if name.lower().startswith("x-ratelimit")]
    assert int(responses[-1].headers["Retry-After"]) > 0  # the one who hit the limit is told when to retry
