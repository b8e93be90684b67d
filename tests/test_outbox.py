"""The email outbox: written with the change, delivered by `flask ally jobs` over
real SMTP (a loopback aiosmtpd server), once, with retries and a give-up."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select, update

import ally_web.blueprints.admin.outbox  # noqa: F401  (routes join the admin blueprint before create_app)
import ally_web.models.outbox  # noqa: F401  (the table exists before create_all)
from ally_web.core import clock
from ally_web.extensions import db
from ally_web.gateways.mail import LogMailer, SMTPMailer, SMTPSettings, get_mailer
from ally_web.jobs import CLAIM_TIMEOUT, _claim_next, deliver_outbox, jobs_command, run_jobs
from ally_web.models.outbox import OutboxMessage, OutboxStatus
from ally_web.services.notifications.outbox import enqueue_email
from tests.smtp_server import CollectingHandler, SMTPServer, free_port

LATER = CLAIM_TIMEOUT + timedelta(seconds=1)


def queue(to="ada@example.com", subject="Your ALLY order", body="Thank you for your order.", **kw):
    message = enqueue_email(to=to, subject=subject, template="plain", kind=kw.pop("kind", "test"), body=body, **kw)
    db.session.commit()
    return message


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def reload(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


class FailingMailer:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, message, on_accepted=None):
        self.calls += 1
        raise ConnectionRefusedError(111, "Connection refused")


def closed_port_mailer() -> SMTPMailer:
    return SMTPMailer(f"smtp://127.0.0.1:{free_port()}", timeout=2)


# --- Enqueue -------------------------------------------------------------------------


def test_enqueue_rolls_back_with_the_change(app):
    enqueue_email(to="ada@example.com", subject="Hi", template="plain", kind="test", body="x")
    assert count() == 1  # flushed into the open transaction ...
    db.session.rollback()  # ... which the failing change rolls back
    assert count() == 0


def test_enqueue_renders_text_and_html_with_the_layouts(app):
    message = queue(body="Line <one> & two")
    assert message.text_body.startswith("Line <one> & two")  # plain text: not escaped
    assert "hello@ally.nyc" in message.text_body  # the layout's footer
    assert "Line &lt;one&gt; &amp; two" in message.html_body  # HTML: escaped
    assert message.message_id.startswith("<") and message.message_id.endswith("@ally.nyc>")
    assert message.status is OutboxStatus.QUEUED and message.attempts == 0
    assert message.created_at == clock.now()


def test_enqueue_without_an_html_template_is_text_only(app, tmp_path):
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "textonly.txt").write_text("Just text, {{ name }}.")
    from jinja2 import ChoiceLoader, FileSystemLoader

    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, FileSystemLoader(str(tmp_path))])
    message = enqueue_email(to="ada@example.com", subject="Hi", template="textonly", kind="test", name="Ada")
    assert message.text_body == "Just text, Ada."
    assert message.html_body is None


def test_enqueue_refuses_header_injection(app):
    with pytest.raises(ValueError):
        enqueue_email(to="ada@example.com\r\nBcc: all@example.com", subject="Hi", template="plain", kind="t", body="x")
    with pytest.raises(ValueError):
        enqueue_email(to="ada@example.com", subject="Hi\nBcc: all@example.com", template="plain", kind="t", body="x")


# --- Delivery over SMTP --------------------------------------------------------------


def test_delivers_over_smtp_with_text_and_html(app, smtp_server):
    message = queue(body="Thank you, Ada.")
    report = deliver_outbox(SMTPMailer(smtp_server.url))
    assert (report.sent, report.failed, report.gave_up) == (1, 0, 0)

    [received] = smtp_server.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.mail_from == "hello@ally.nyc"
    email = received.message
    assert email["Subject"] == "Your ALLY order"
    assert email["To"] == "ada@example.com"
    assert email["From"] == "ALLY <hello@ally.nyc>"
    assert email["Message-ID"] == message.message_id
    assert email.is_multipart() and email.get_content_type() == "multipart/alternative"
    assert "Thank you, Ada." in email.get_body(("plain",)).get_content()
    assert "<p" in email.get_body(("html",)).get_content()

    sent = reload(message.id)
    assert sent.sent_at == clock.now() and sent.status is OutboxStatus.SENT
    assert sent.attempts == 1 and sent.last_error is None


def test_a_text_attachment_travels_with_its_type_parameters(app, smtp_server):
    from ally_web.services.notifications import Attachment

    calendar = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
    queue(attachment=Attachment("invite.ics", "text/calendar; method=CANCEL", calendar))
    deliver_outbox(SMTPMailer(smtp_server.url))
    [email] = smtp_server.messages
    assert email.get_content_type() == "multipart/mixed"
    assert "Thank you for your order." in email.get_body(("html", "plain")).get_content()
    [attachment] = email.iter_attachments()
    assert (attachment.get_content_type(), attachment.get_param("method")) == ("text/calendar", "CANCEL")
    assert attachment.get_filename() == "invite.ics" and attachment.get_content() == calendar
    with pytest.raises(ValueError, match="text attachments only"):
        Attachment("label.pdf", "application/pdf", "%PDF")


def test_text_only_message_is_plain(app, smtp_server):
    message = queue()
    db.session.execute(update(OutboxMessage).values(html_body=None))
    db.session.commit()
    deliver_outbox(SMTPMailer(smtp_server.url))
    [email] = smtp_server.messages
    assert not email.is_multipart() and email.get_content_type() == "text/plain"
    assert email["Message-ID"] == message.message_id


def test_delivering_twice_sends_once(app, smtp_server):
    queue()
    mailer = SMTPMailer(smtp_server.url)
    assert deliver_outbox(mailer).sent == 1
    assert deliver_outbox(mailer).sent == 0
    assert deliver_outbox(mailer, now=clock.now() + timedelta(days=1)).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_claim_is_taken_once(app):
    message = queue()
    assert _claim_next(clock.now()) == message.id
    assert _claim_next(clock.now()) is None  # another run: the claim is fresh
    assert reload(message.id).attempts == 1


def test_smtp_with_a_password(app):
    handler = CollectingHandler()
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss word", handled=False)

    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5,
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        server = SMTPServer("127.0.0.1", controller.port, handler)
        queue()
        good = SMTPMailer(f"smtp://shop%40ally.nyc:p%40ss%20word@127.0.0.1:{controller.port}")
        assert deliver_outbox(good).sent == 1
        assert seen == [(b"shop@ally.nyc", b"p@ss word")]
        assert len(server.messages) == 1

        message = queue()
        bad = SMTPMailer(f"smtp://shop%40ally.nyc:wrong@127.0.0.1:{controller.port}")
        assert deliver_outbox(bad).failed == 1
        assert "SMTPAuthenticationError" in reload(message.id).last_error
        assert len(server.messages) == 1
    finally:
        controller.stop()


# --- Failures, retries, giving up, crashes --------------------------------------------


def test_failure_is_recorded_and_a_later_run_sends_it(app, smtp_server):
    message = queue()
    report = deliver_outbox(closed_port_mailer())
    assert (report.sent, report.failed) == (0, 1)
    failed = reload(message.id)
    assert failed.attempts == 1 and failed.sent_at is None
    assert "ConnectionRefusedError" in failed.last_error
    assert failed.status is OutboxStatus.FAILED

    # The next run within the claim timeout leaves it alone (a backoff) ...
    assert deliver_outbox(SMTPMailer(smtp_server.url)).sent == 0
    # ... and a run after it sends it, with the same Message-ID.
    assert deliver_outbox(SMTPMailer(smtp_server.url), now=clock.now() + LATER).sent == 1
    [email] = smtp_server.messages
    assert email["Message-ID"] == message.message_id
    sent = reload(message.id)
    assert sent.attempts == 2 and sent.last_error is None and sent.status is OutboxStatus.SENT


def test_gives_up_after_max_attempts(app, smtp_server, client, auth):
    auth.login()
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    message = queue()
    mailer = FailingMailer()
    at = clock.now()
    reports = []
    for _ in range(5):
        reports.append(deliver_outbox(mailer, now=at))
        at += LATER
    assert mailer.calls == 3
    assert [(r.failed, r.gave_up) for r in reports] == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    given_up = reload(message.id)
    assert given_up.attempts == 3 and given_up.gave_up_at is not None
    assert given_up.status is OutboxStatus.GAVE_UP

    # A working server later does not resurrect it (an admin decides).
    assert deliver_outbox(SMTPMailer(smtp_server.url), now=at).sent == 0
    assert smtp_server.messages == []

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Gave up" in page
    detail = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "3 of 3" in detail and "ConnectionRefusedError" in detail


def test_a_claimed_but_crashed_message_waits_for_the_claim_to_go_stale(app, smtp_server):
    message = queue()
    # A run claimed it a minute ago and died before sending or marking it.
    db.session.execute(update(OutboxMessage).values(
        claimed_at=clock.now() - timedelta(minutes=1), attempts=1))
    db.session.commit()
    mailer = SMTPMailer(smtp_server.url)
    assert deliver_outbox(mailer).sent == 0
    assert deliver_outbox(mailer, now=clock.now() + CLAIM_TIMEOUT - timedelta(minutes=1, seconds=1)).sent == 0
    assert smtp_server.messages == []
    assert deliver_outbox(mailer, now=clock.now() + CLAIM_TIMEOUT).sent == 1
    assert len(smtp_server.messages) == 1
    assert reload(message.id).attempts == 2


def test_a_crash_half_way_loses_nothing_and_repeats_nothing(app, smtp_server):
    first, second, third = queue(to="a@example.com"), queue(to="b@example.com"), queue(to="c@example.com")
    real = SMTPMailer(smtp_server.url)

    class CrashAfterOne:
        def __init__(self):
            self.sent = 0

        def send(self, message, on_accepted=None):
            if self.sent == 1:
                raise KeyboardInterrupt  # the process dies: nothing catches this
            real.send(message)
            self.sent += 1

    with pytest.raises(KeyboardInterrupt):
        deliver_outbox(CrashAfterOne())
    db.session.rollback()
    assert reload(first.id).status is OutboxStatus.SENT  # committed before the crash
    crashed = reload(second.id)
    assert crashed.sent_at is None and crashed.claimed_at is not None
    assert reload(third.id).claimed_at is None

    # Straight away: the third goes, the second is still claimed.
    assert deliver_outbox(real).sent == 1
    # Once the claim is stale: the second goes. The first is never sent again.
    assert deliver_outbox(real, now=clock.now() + LATER).sent == 1
    assert deliver_outbox(real, now=clock.now() + 2 * LATER).sent == 0
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@example.com", "b@example.com", "c@example.com"]


def test_batch_limits_one_run(app, smtp_server):
    for n in range(3):
        queue(to=f"n{n}@example.com")
    mailer = SMTPMailer(smtp_server.url)
    assert deliver_outbox(mailer, batch=2).sent == 2
    assert deliver_outbox(mailer, batch=2).sent == 1
    assert [m["To"] for m in smtp_server.messages] == ["n0@example.com", "n1@example.com", "n2@example.com"]


# --- Mailers -------------------------------------------------------------------------


def test_log_mailer_logs_the_message(app, caplog):
    queue(body="Your pumps are on their way.")
    with caplog.at_level(logging.INFO, logger="ally_web.mail"):
        assert deliver_outbox(LogMailer()).sent == 1
    [record] = [r for r in caplog.records if r.name == "ally_web.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "To: ada@example.com" in text and "Subject: Your ALLY order" in text
    assert "Your pumps are on their way." in text


def test_get_mailer_follows_smtp_url(app):
    assert isinstance(get_mailer(app), LogMailer)
    app.config["SMTP_URL"] = "smtps://user:secret@mail.example.com"
    app.config["MAIL_FROM"] = "ALLY Orders <orders@ally.nyc>"
    mailer = get_mailer(app)
    assert isinstance(mailer, SMTPMailer) and mailer.sender == "ALLY Orders <orders@ally.nyc>"
    assert "secret" not in repr(mailer) and "secret" not in repr(mailer.settings)


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://127.0.0.1:1025", ("127.0.0.1", 1025, "none", None, None)),
    ("smtp://relay.local", ("relay.local", 25, "none", None, None)),
    ("smtp+starttls://u:p@smtp.example.com", ("smtp.example.com", 587, "starttls", "u", "p")),
    ("smtps://me%40x.com:a%2Fb@smtp.example.com:2465", ("smtp.example.com", 2465, "tls", "me@x.com", "a/b")),
])
def test_smtp_url_forms(url, expected):
    s = SMTPSettings.from_url(url)
    assert (s.host, s.port, s.security, s.username, s.password) == expected


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://host:99999", "mail.example.com"])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ValueError):
        SMTPSettings.from_url(url)


# --- The jobs command ----------------------------------------------------------------


def test_jobs_command_delivers_and_is_idempotent(app, smtp_server):
    queue()
    app.config["SMTP_URL"] = smtp_server.url
    runner = app.test_cli_runner()
    first = runner.invoke(jobs_command)
    assert first.exit_code == 0, first.output
    assert "outbox: 1 sent, 0 failed, 0 gave up" in first.output
    second = runner.invoke(jobs_command)
    assert second.exit_code == 0 and "outbox: 0 sent" in second.output
    assert len(smtp_server.messages) == 1


def test_jobs_command_reports_a_broken_smtp_url(app):
    message_id = queue().id  # the command ends the session: keep the number, not the object
    app.config["SMTP_URL"] = "http://nope"
    result = app.test_cli_runner().invoke(jobs_command)
    assert result.exit_code == 1
    assert "outbox: FAILED" in result.output
    assert reload(message_id).attempts == 0  # nothing was claimed


def test_run_jobs_runs_other_jobs_first_and_survives_a_broken_one(app, smtp_server, monkeypatch):
    from ally_web import jobs

    order = []

    def reminder(now):
        order.append("reminder")
        queue(to="trial@example.com", subject="Your trial ends soon")
        return "1 reminder"

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs, "JOBS", [])
    jobs.register_job("broken", broken)
    jobs.register_job("reminders", reminder)
    report = run_jobs(mailer=SMTPMailer(smtp_server.url))
    assert report.errors == {"broken": "RuntimeError: boom"}
    assert report.results["reminders"] == "1 reminder"
    assert report.results["outbox"].sent == 1  # the reminder's email went out in the same run
    assert [m["Subject"] for m in smtp_server.messages] == ["Your trial ends soon"]


# --- Admin pages ---------------------------------------------------------------------


def test_outbox_pages_need_sign_in(app, client):
    message = queue()
    for url in ("/admin/outbox", f"/admin/outbox/{message.id}"):
        response = client.get(url)
        assert response.status_code in (302, 303)
        assert "/staff/sign-in" in response.headers["Location"]


def test_staff_see_the_list_and_a_message(app, client, auth, smtp_server):
    auth.login()
    sent = queue(to="ada@example.com", subject="Your ALLY order", body="Thank you, Ada.")
    deliver_outbox(SMTPMailer(smtp_server.url))
    queue(to="bo@example.com", subject="Your trial ends soon")

    page = client.get("/admin/outbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index("Your trial ends soon") < html.index("Your ALLY order")  # newest first (same time: by id)
    assert "ada@example.com" in html and "Sent" in html and "Queued" in html

    detail = client.get(f"/admin/outbox/{sent.id}")
    body = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "<pre" in body and "Thank you, Ada." in body
    assert sent.message_id.replace("<", "&lt;").replace(">", "&gt;") in body
    assert client.get("/admin/outbox/999999").status_code == 404
    assert client.get("/admin/outbox/99999999999999999999").status_code == 404


def test_outbox_pagination_and_hostile_page_numbers(app, client, auth):
    auth.login()
    for n in range(26):
        queue(to=f"n{n}@example.com", subject=f"Message {n}")
    first = client.get("/admin/outbox").get_data(as_text=True)
    assert "Message 25" in first and "Message 1<" in first and "Message 0<" not in first
    assert "Page 1 of 2" in first
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert "Message 0<" in second and "Message 25" not in second

    for bad in ("0", "-1", "abc", "1.5", "", "٣"):
        assert client.get(f"/admin/outbox?page={bad}").status_code == 404, bad
    for huge in ("3", "99999999999999999999", "9" * 400):
        response = client.get(f"/admin/outbox?page={huge}")
        assert response.status_code == 200, huge
        assert "Page 2 of 2" in response.get_data(as_text=True)


def test_empty_outbox_page(app, client, auth):
    auth.login()
    response = client.get("/admin/outbox?page=5")
    assert response.status_code == 200
    assert "No emails yet." in response.get_data(as_text=True)


def test_html_part_is_shown_escaped_never_rendered(app, client, auth):
    auth.login()
    message = queue()
    db.session.execute(update(OutboxMessage).values(
        html_body='<p>Hi</p><script>alert("x")</script><img src=x onerror=alert(1)>',
        subject="<b>Subject</b>", to_address="ada@example.com"))
    db.session.commit()
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Subject" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "<b>Subject" not in listing and "&lt;b&gt;Subject" in listing


# --- the crash window after the server accepted a message (issue #10, point 8) ---------------


def test_a_crash_right_after_the_server_accepted_leaves_the_message_marked_sent(app, smtp_server, monkeypatch):
    import smtplib

    message = queue(to="once@example.com")
    real_docmd = smtplib.SMTP.docmd

    def crash_at_quit(self, cmd, args=""):
        if cmd.lower() == "quit":
            raise KeyboardInterrupt  # the process dies between the 250 reply and the goodbye
        return real_docmd(self, cmd, args)

    monkeypatch.setattr(smtplib.SMTP, "docmd", crash_at_quit)
    with pytest.raises(KeyboardInterrupt):
        deliver_outbox(SMTPMailer(smtp_server.url))
    monkeypatch.setattr(smtplib.SMTP, "docmd", real_docmd)
    db.session.rollback()
    assert len(smtp_server.messages) == 1
    assert reload(message.id).status is OutboxStatus.SENT  # committed on the server's 250, before QUIT
    assert deliver_outbox(SMTPMailer(smtp_server.url), now=clock.now() + LATER).sent == 0
    assert len(smtp_server.messages) == 1


def test_a_failed_goodbye_after_acceptance_is_not_a_failed_delivery(app, smtp_server, monkeypatch):
    import smtplib

    message = queue(to="once@example.com")
    real_docmd = smtplib.SMTP.docmd

    def refuse_quit(self, cmd, args=""):
        if cmd.lower() == "quit":
            raise smtplib.SMTPResponseException(421, b"closing")
        return real_docmd(self, cmd, args)

    monkeypatch.setattr(smtplib.SMTP, "docmd", refuse_quit)
    report = deliver_outbox(SMTPMailer(smtp_server.url))
    assert (report.sent, report.failed) == (1, 0)
    sent = reload(message.id)
    assert sent.status is OutboxStatus.SENT and sent.last_error is None and sent.attempts == 1
    assert deliver_outbox(SMTPMailer(smtp_server.url), now=clock.now() + LATER).sent == 0
    assert len(smtp_server.messages) == 1
