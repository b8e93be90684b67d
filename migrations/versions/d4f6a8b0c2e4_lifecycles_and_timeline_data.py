"""lifecycle states as checked enums, timeline events as data

Revision ID: d4f6a8b0c2e4
Revises: c3a9e5f1b7d2
Create Date: 2026-12-01 03:00:00

- orders.state (placed, cancelled) replaces orders.cancelled_at: the "cancelled"
  event keeps the time;
- order_lines.mto_state and shipments.state: where a made-to-order pair and a
  parcel are in their lifecycles (filled from mto_path and from the scans);
- order_events: kind + params (JSON) + actor (kind, staff id, name) instead of an
  English note and an actor string; shipment_scans: the same actor columns;
- every state, kind and mode column is checked by the database.

Existing events keep their old sentence as params["note"] (it is shown as it was),
except cancellations, whose note was the reason.

Locks: checkouts, orders, order_lines, shipments, order_events and shipment_scans,
each for as long as it takes to fill the new columns and check every row against
the new CHECK constraints (PostgreSQL: columns with a constant default and wider
varchars need no rewrite, but the UPDATEs and the checks scan each table under an
ACCESS EXCLUSIVE lock). Seconds on the store's current size; on a large database
run it in a quiet hour.
"""
from alembic import op
import sqlalchemy as sa


revision = "d4f6a8b0c2e4"
down_revision = "c3a9e5f1b7d2"
branch_labels = None
depends_on = None

CHECKOUT_STATUS = ("open", "paying", "placing", "placed")
PAYMENT_MODE = ("card", "installments")
ORDER_STATE = ("placed", "cancelled")
MTO_PATH = ("fitting_first", "size_known")
MTO_STATE = ("awaiting_fitting_pair", "fitting_pair_shipped", "fitting_pair_delivered", "fit_submitted",
             "fit_confirmed", "in_production", "shipped", "delivered")
SHIPMENT_STATE = ("shipped", "in_transit", "held_at_customs", "exception", "out_for_delivery", "delivered")
SCAN_KIND = ("in_transit", "out_for_delivery", "delivered", "held_at_customs", "exception")
EVENT_KIND = ("placed", "paid", "shipped", "in_transit", "out_for_delivery", "held_at_customs", "exception",
              "delivered", "cancelled", "refunded", "fitting_pair_shipped", "fitting_pair_delivered",
              "fit_submitted", "fit_confirmed", "production_started")
ACTOR_KIND = ("customer", "staff", "system", "payment_provider", "carrier")
PROGRESS = {"in_transit": 1, "held_at_customs": 1, "exception": 1, "out_for_delivery": 2, "delivered": 3}


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _actor(text, staff_ids):
    """The old free-text actor ("staff: Sam Rivera", "customer"…) as columns."""
    text = (text or "").strip()
    if text.startswith("staff:"):
        name = text.split(":", 1)[1].strip()
        return "staff", staff_ids.get(name), name[:120]
    known = {"customer": "customer", "system": "system", "payment provider": "payment_provider",
             "carrier tracking": "carrier"}
    return known.get(text, "system"), None, ""


def _actor_columns(batch_op):
    batch_op.add_column(sa.Column("actor_kind", sa.String(length=30), nullable=False, server_default="system"))
    batch_op.add_column(sa.Column("actor_staff_id", sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column("actor_name", sa.String(length=120), nullable=False, server_default=""))


def _no_actor_defaults(batch_op):
    """The defaults only filled the rows that existed: new rows must name their actor."""
    batch_op.alter_column("actor_kind", server_default=None, existing_type=sa.String(length=30))
    batch_op.alter_column("actor_name", server_default=None, existing_type=sa.String(length=120))


def upgrade():
    bind = op.get_bind()
    staff_ids = {name: id_ for id_, name in bind.execute(sa.text("SELECT id, name FROM staff"))}

    with op.batch_alter_table("checkouts") as batch_op:
        batch_op.alter_column("status", type_=sa.String(length=30), existing_nullable=False)
        batch_op.alter_column("payment_mode", type_=sa.String(length=30), existing_nullable=False)
        batch_op.create_check_constraint("checkout_status", _in("status", CHECKOUT_STATUS))
        batch_op.create_check_constraint("checkout_payment_mode", _in("payment_mode", PAYMENT_MODE))

    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=30), nullable=False, server_default="placed"))
    bind.execute(sa.text("UPDATE orders SET state = 'cancelled' WHERE cancelled_at IS NOT NULL"))
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("state", server_default=None, existing_type=sa.String(length=30))
        batch_op.drop_column("cancelled_at")
        batch_op.alter_column("payment_mode", type_=sa.String(length=30), existing_nullable=False)
        batch_op.create_check_constraint("order_state", _in("state", ORDER_STATE))
        batch_op.create_check_constraint("order_payment_mode", _in("payment_mode", PAYMENT_MODE))

    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.add_column(sa.Column("mto_state", sa.String(length=30), nullable=True))
    bind.execute(sa.text("UPDATE order_lines SET mto_state = 'awaiting_fitting_pair' WHERE mto_path = 'fitting_first'"))
    bind.execute(sa.text("UPDATE order_lines SET mto_state = 'in_production' WHERE mto_path = 'size_known'"))
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.alter_column("mto_path", type_=sa.String(length=30), existing_nullable=True)
        batch_op.create_check_constraint("mto_path", _in("mto_path", MTO_PATH))
        batch_op.create_check_constraint("mto_state", _in("mto_state", MTO_STATE))

    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=30), nullable=False, server_default="shipped"))
    best: dict = {}
    for shipment_id, kind, at, scan_id in bind.execute(
        sa.text("SELECT shipment_id, kind, at, id FROM shipment_scans")
    ):
        key = (PROGRESS.get(kind, 0), str(at), scan_id)
        if shipment_id not in best or key > best[shipment_id][0]:
            best[shipment_id] = (key, kind)
    for shipment_id, (_, kind) in best.items():
        bind.execute(sa.text("UPDATE shipments SET state = :state WHERE id = :id"), {"state": kind, "id": shipment_id})
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.alter_column("state", server_default=None, existing_type=sa.String(length=30))
        batch_op.create_check_constraint("shipment_state", _in("state", SHIPMENT_STATE))

    with op.batch_alter_table("shipment_scans") as batch_op:
        _actor_columns(batch_op)
    for scan_id, source in bind.execute(sa.text("SELECT id, source FROM shipment_scans")).all():
        kind, staff_id, name = _actor(source, staff_ids)
        bind.execute(sa.text("UPDATE shipment_scans SET actor_kind = :k, actor_staff_id = :s, actor_name = :n "
                             "WHERE id = :id"), {"k": kind, "s": staff_id, "n": name, "id": scan_id})
    with op.batch_alter_table("shipment_scans") as batch_op:
        _no_actor_defaults(batch_op)
        batch_op.drop_column("source")
        batch_op.alter_column("kind", type_=sa.String(length=30), existing_nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_shipment_scans_actor_staff_id_staff"), "staff",
                                    ["actor_staff_id"], ["id"])
        batch_op.create_check_constraint("scan_kind", _in("kind", SCAN_KIND))
        batch_op.create_check_constraint("actor_kind", _in("actor_kind", ACTOR_KIND))

    with op.batch_alter_table("order_events") as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        _actor_columns(batch_op)
    events = sa.table("order_events", sa.column("id"), sa.column("params", sa.JSON()), sa.column("actor_kind"),
                      sa.column("actor_staff_id"), sa.column("actor_name"))
    for event_id, kind, actor, note in bind.execute(sa.text("SELECT id, kind, actor, note FROM order_events")).all():
        actor_kind, staff_id, name = _actor(actor, staff_ids)
        if kind == "cancelled":
            params = {"reason": note or ""}
        else:
            params = {"note": note} if note else {}
        bind.execute(events.update().where(events.c.id == event_id).values(
            params=params, actor_kind=actor_kind, actor_staff_id=staff_id, actor_name=name))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.alter_column("params", existing_type=sa.JSON(), nullable=False)
        _no_actor_defaults(batch_op)
        batch_op.drop_column("note")
        batch_op.drop_column("actor")
        batch_op.alter_column("kind", type_=sa.String(length=30), existing_nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_order_events_actor_staff_id_staff"), "staff",
                                    ["actor_staff_id"], ["id"])
        batch_op.create_check_constraint("event_kind", _in("kind", EVENT_KIND))
        batch_op.create_check_constraint("actor_kind", _in("actor_kind", ACTOR_KIND))


def _actor_text(kind, name):
    labels = {"customer": "customer", "system": "system", "payment_provider": "payment provider",
              "carrier": "carrier tracking"}
    return f"staff: {name}" if kind == "staff" else labels.get(kind, "system")


def downgrade():
    bind = op.get_bind()
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_constraint("event_kind", type_="check")
        batch_op.drop_constraint("actor_kind", type_="check")
        batch_op.drop_constraint("fk_order_events_actor_staff_id_staff", type_="foreignkey")
        batch_op.add_column(sa.Column("actor", sa.String(length=160), nullable=False, server_default="system"))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.alter_column("kind", type_=sa.String(length=40), existing_nullable=False)
    events = sa.table("order_events", sa.column("id"), sa.column("params", sa.JSON()), sa.column("actor_kind"),
                      sa.column("actor_name"), sa.column("actor"), sa.column("note"))
    for event_id, params, kind, name in bind.execute(
        sa.select(events.c.id, events.c.params, events.c.actor_kind, events.c.actor_name)
    ).all():
        params = params or {}
        note = params.get("note") or params.get("reason") or ""
        bind.execute(events.update().where(events.c.id == event_id).values(actor=_actor_text(kind, name), note=note))
    with op.batch_alter_table("order_events") as batch_op:
        batch_op.drop_column("params")
        batch_op.drop_column("actor_kind")
        batch_op.drop_column("actor_staff_id")
        batch_op.drop_column("actor_name")

    with op.batch_alter_table("shipment_scans") as batch_op:
        batch_op.drop_constraint("scan_kind", type_="check")
        batch_op.drop_constraint("actor_kind", type_="check")
        batch_op.drop_constraint("fk_shipment_scans_actor_staff_id_staff", type_="foreignkey")
        batch_op.add_column(sa.Column("source", sa.String(length=160), nullable=False, server_default="system"))
        batch_op.alter_column("kind", type_=sa.String(length=20), existing_nullable=False)
    for scan_id, kind, name in bind.execute(sa.text("SELECT id, actor_kind, actor_name FROM shipment_scans")).all():
        bind.execute(sa.text("UPDATE shipment_scans SET source = :s WHERE id = :id"),
                     {"s": _actor_text(kind, name), "id": scan_id})
    with op.batch_alter_table("shipment_scans") as batch_op:
        batch_op.drop_column("actor_kind")
        batch_op.drop_column("actor_staff_id")
        batch_op.drop_column("actor_name")

    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_constraint("shipment_state", type_="check")
        batch_op.drop_column("state")

    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_constraint("mto_path", type_="check")
        batch_op.drop_constraint("mto_state", type_="check")
        batch_op.alter_column("mto_path", type_=sa.String(length=20), existing_nullable=True)
        batch_op.drop_column("mto_state")

    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint("order_state", type_="check")
        batch_op.drop_constraint("order_payment_mode", type_="check")
        batch_op.alter_column("payment_mode", type_=sa.String(length=20), existing_nullable=False)
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    bind.execute(sa.text(
        "UPDATE orders SET cancelled_at = (SELECT MAX(at) FROM order_events "
        "WHERE order_events.order_id = orders.id AND order_events.kind = 'cancelled') WHERE state = 'cancelled'"
    ))
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("state")

    with op.batch_alter_table("checkouts") as batch_op:
        batch_op.drop_constraint("checkout_status", type_="check")
        batch_op.drop_constraint("checkout_payment_mode", type_="check")
        batch_op.alter_column("status", type_=sa.String(length=20), existing_nullable=False)
        batch_op.alter_column("payment_mode", type_=sa.String(length=20), existing_nullable=False)
