"""Caches of the lead-time notices: per store day, and rebuilt as soon as a notice
changes anywhere (the change bumps a version row in the same transaction)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from flask import g
from sqlalchemy import select

from ally_web.extensions import db
from ally_web.models import CacheVersion, LeadTimeNotice
from ally_web.models.cache_versions import NOTICES, current_version
from ally_web.services.catalog import todays_notice, upcoming_notices
from tests.conftest import running_app

TODAY = date(2026, 11, 25)


@contextmanager
def a_request(app):
    """A request of its own: the fixtures keep one app context (and its `g`) pushed,
    which a real server never shares between requests."""
    with app.test_request_context():
        for name in list(g):
            g.pop(name)
        yield


def test_a_change_to_a_notice_bumps_its_version_in_the_same_transaction(app):
    before = current_version(db.session, NOTICES)
    notice = LeadTimeNotice(title="Studio move", message="We are moving.", extra_days=3,
                            starts_on=TODAY, ends_on=TODAY + timedelta(days=5))
    db.session.add(notice)
    db.session.flush()
    assert current_version(db.session, NOTICES) == before + 1
    notice.extra_days = 4
    db.session.flush()
    assert current_version(db.session, NOTICES) == before + 2
    db.session.rollback()  # rolled back with the change: nothing to invalidate
    assert current_version(db.session, NOTICES) == before


def test_cached_notices_are_rebuilt_once_a_notice_changes():
    with running_app(seed=False, CATALOG_CACHE_SECONDS=60) as app:
        with a_request(app):
            assert todays_notice(TODAY) is None and upcoming_notices(TODAY) == ()
        notice = LeadTimeNotice(title="Factory holiday", message="Closed for a week.", extra_days=7,
                                starts_on=TODAY - timedelta(days=1), ends_on=TODAY + timedelta(days=6))
        db.session.add(notice)
        db.session.commit()
        with a_request(app):  # a new request reads the new version
            assert todays_notice(TODAY).title == "Factory holiday"
            assert [n.title for n in upcoming_notices(TODAY)] == ["Factory holiday"]
        notice.title = "Factory closed"
        db.session.commit()
        with a_request(app):
            assert todays_notice(TODAY).title == "Factory closed"
        db.session.delete(notice)
        db.session.commit()
        with a_request(app):
            assert todays_notice(TODAY) is None


def test_cached_notices_are_kept_while_nothing_changes():
    with running_app(seed=False, CATALOG_CACHE_SECONDS=60) as app:
        db.session.add(LeadTimeNotice(title="Factory holiday", message="Closed.", extra_days=7,
                                      starts_on=TODAY, ends_on=TODAY + timedelta(days=6)))
        db.session.commit()
        with a_request(app):
            first = upcoming_notices(TODAY)
        with a_request(app):
            assert upcoming_notices(TODAY) is first  # the same copy: no query
        with a_request(app):
            assert upcoming_notices(TODAY + timedelta(days=1)) is not first  # a new store day


def test_the_migration_starts_the_notices_version(real_database_url):
    from flask_migrate import upgrade

    with running_app(seed=False, SQLALCHEMY_DATABASE_URI=real_database_url):
        db.drop_all()
        upgrade()
        assert db.session.scalar(select(CacheVersion.version).where(CacheVersion.name == NOTICES)) == 1


def test_the_version_is_read_every_few_seconds_and_at_once_after_a_change_here():
    """Another process's change (the version row moved without this process's ORM
    flush) waits for the next read, CATALOG_FRESH_SECONDS later; this process's own
    change is seen at once."""
    from sqlalchemy import update

    with running_app(seed=False, CATALOG_CACHE_SECONDS=60, CATALOG_FRESH_SECONDS=3600) as app:
        db.session.add(LeadTimeNotice(title="Factory holiday", message="Closed.", extra_days=7,
                                      starts_on=TODAY, ends_on=TODAY + timedelta(days=6)))
        db.session.commit()
        with a_request(app):
            first = upcoming_notices(TODAY)

        def elsewhere(title: str) -> None:  # as another machine would: the row and the version, no flush here
            db.session.execute(update(LeadTimeNotice).values(title=title))
            db.session.execute(update(CacheVersion).where(CacheVersion.name == NOTICES)
                               .values(version=CacheVersion.version + 1))
            db.session.commit()

        elsewhere("Changed elsewhere")
        with a_request(app):
            assert upcoming_notices(TODAY) is first  # not read again yet
        app.config["CATALOG_FRESH_SECONDS"] = 0
        with a_request(app):
            assert [n.title for n in upcoming_notices(TODAY)] == ["Changed elsewhere"]

        app.config["CATALOG_FRESH_SECONDS"] = 3600
        with a_request(app):
            kept = upcoming_notices(TODAY)
        notice = db.session.scalars(select(LeadTimeNotice)).one()
        notice.title = "Changed here"
        db.session.commit()
        with a_request(app):
            assert upcoming_notices(TODAY) is not kept
            assert [n.title for n in upcoming_notices(TODAY)] == ["Changed here"]
