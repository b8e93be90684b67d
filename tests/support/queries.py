"""Counting the SQL statements a piece of code sends."""

from contextlib import contextmanager

from sqlalchemy import event

from ally_web.extensions import db


@contextmanager
def count_queries():
    """Yields a list that fills with every statement sent on the app's engine."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
