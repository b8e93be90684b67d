"""The database comes from migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from ally_web.extensions import db
from tests.conftest import make_app


def test_upgrade_builds_every_table_and_matches_the_models(real_database_url):
    # Migrations commit for real: a database of their own (a file on SQLite).
    url = real_database_url
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_existing_orders_keep_their_history_through_the_lifecycle_migration(real_database_url):
    """Rows written before events were data: the cancellation time, the actors and
    the old sentences survive, and parcels get the state their scans put them in."""
    from sqlalchemy import text

    from ally_web.event_text import event_text
    from ally_web.models import Order, OrderState, ShipmentState

    app = make_app(SQLALCHEMY_DATABASE_URI=real_database_url)
    with app.app_context():
        upgrade(revision="bc107cd74fd4")
        at = "2026-11-20 15:00:00+00:00"
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO staff (id, email, name, password_hash, role, active, created_at) "
                           "VALUES (7, 's@example.com', 'Sam Rivera', 'x', 'stylist', true, :at)"), {"at": at})
            c.execute(text("INSERT INTO customers (id, email, email_canonical, name, created_at) "
                           "VALUES (1, 'j@example.com', 'j@example.com', 'Jane', :at)"), {"at": at})
            for checkout_id in (1, 2):
                c.execute(text(
                    "INSERT INTO checkouts (id, token, email, shipping_method, payment_mode, lines, status, "
                    "name, phone, line1, line2, city, region, postal_code, country, subtotal_cents, "
                    "shipping_cents, duties_cents, taxes_cents, total_cents, quote, created_at, updated_at) "
                    "VALUES (:id, :token, 'j@example.com', 'us-standard', 'card', '[]', 'placed', 'Jane', '', "
                    "'1 Main St', '', 'New York', 'NY', '10001', 'US', 100, 0, 0, 0, 100, '{}', :at, :at)"),
                    {"id": checkout_id, "token": f"t{checkout_id}", "at": at})
            for order_id, cancelled in ((1, None), (2, "2026-11-21 15:00:00+00:00")):
                c.execute(text(
                    "INSERT INTO orders (id, number, token, checkout_id, customer_id, email, email_canonical, "
                    "shipping_method, duties_collected, payment_provider, payment_ref, payment_mode, card_brand, "
                    "card_last4, card_funding, placed_at, cancelled_at, name, phone, line1, line2, city, region, "
                    "postal_code, country, subtotal_cents, shipping_cents, duties_cents, taxes_cents, total_cents, "
                    "quote) VALUES (:id, :number, :token, :checkout, 1, 'j@example.com', 'j@example.com', "
                    "'us-standard', 'none', 'sandbox', 'sbx_x', 'card', 'visa', '4242', 'credit', :at, :cancelled, "
                    "'Jane', '', '1 Main St', '', 'New York', 'NY', '10001', 'US', 100, 0, 0, 0, 100, '{}')"),
                    {"id": order_id, "number": f"AAAA-000{order_id}", "token": f"tok{order_id}",
                     "checkout": order_id, "at": at, "cancelled": cancelled})
            c.execute(text("INSERT INTO shipments (id, order_id, carrier, tracking_number, shipped_at) "
                           "VALUES (1, 1, 'UPS', '1Z999AA10123456784', :at)"), {"at": at})
            scans = ((1, "out_for_delivery", "carrier tracking"), (2, "in_transit", "staff: Sam Rivera"))
            for scan_id, kind, source in scans:
                c.execute(text("INSERT INTO shipment_scans (id, shipment_id, kind, at, recorded_at, location, source) "
                               "VALUES (:id, 1, :kind, :at, :at, '', :source)"),
                          {"id": scan_id, "kind": kind, "at": at, "source": source})
            for event_id, order_id, kind, actor, note in (
                (1, 1, "shipped", "staff: Sam Rivera", "1 pair by UPS, tracking 1Z999AA10123456784."),
                (2, 2, "cancelled", "staff: Alex Admin", "Customer asked"),
            ):
                c.execute(text("INSERT INTO order_events (id, order_id, kind, at, actor, note) "
                               "VALUES (:id, :order, :kind, :at, :actor, :note)"),
                          {"id": event_id, "order": order_id, "kind": kind, "at": "2026-11-21 15:00:00+00:00",
                           "actor": actor, "note": note})
        upgrade()
        shipped_order, cancelled_order = db.session.get(Order, 1), db.session.get(Order, 2)
        assert shipped_order.state is OrderState.PLACED and shipped_order.cancelled_at is None
        assert shipped_order.shipments[0].state is ShipmentState.OUT_FOR_DELIVERY  # the most advanced scan
        shipped = shipped_order.events[0]
        assert (shipped.actor.staff_id, str(shipped.actor)) == (7, "staff: Sam Rivera")
        assert event_text(shipped) == "Shipped: 1 pair by UPS, tracking 1Z999AA10123456784."
        assert cancelled_order.state is OrderState.CANCELLED
        assert cancelled_order.events[0].params == {"reason": "Customer asked"}
        assert cancelled_order.cancelled_at is not None
        assert str(cancelled_order.events[0].actor) == "staff: Alex Admin"
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_every_migration_says_what_it_locks():
    """`flask db upgrade` runs while the old app servers still serve (docs/operations.md):
    each migration says which tables it locks and for how long, so an operator knows
    before running it whether to wait for a quiet hour."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    silent = [
        path.name for path in sorted(folder.glob("*.py"))
        if "\nLocks:" not in (ast.get_docstring(ast.parse(path.read_text())) or "")
    ]
    assert not silent, f"say what these lock (a 'Locks:' paragraph in the docstring): {silent}"
