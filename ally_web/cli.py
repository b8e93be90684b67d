"""`flask ally …` commands: seed the demo, create staff."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ally_web.core.errors import DomainError
from ally_web.core.lifecycle import Lifecycle
from ally_web.extensions import db
from ally_web.jobs import jobs_command
from ally_web.models import StaffRole
from ally_web.services import staff as staff_auth

ally = AppGroup("ally", help="ALLY store commands.")
ally.add_command(jobs_command)


@ally.command("seed")
def seed_command() -> None:
    """Add the demo catalog and staff (running it again adds nothing)."""
    from ally_web.seed import seed_all

    added = seed_all()
    db.session.commit()
    click.echo(f"Seeded {added} rows." if added else "Demo data already present; nothing added.")


@ally.command("create-staff")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), default=StaffRole.STYLIST.value,
              show_default=True)
@click.password_option()
def create_staff_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account (stylist or admin)."""
    try:
        staff = staff_auth.create_staff(email, name, password, StaffRole(role))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created {staff.role.value} {staff.email}.")


@ally.command("demo-info")
def demo_info_command() -> None:
    """Print what the demo serve script shows: sign-in details."""
    config = current_app.config
    click.echo(f"  Staff sign-in: {config['DEMO_ADMIN_EMAIL']} (admin) or {config['DEMO_STAFF_EMAIL']} (stylist)")
    click.echo(f"  Password:      {config['DEMO_STAFF_PASSWORD']}")
    from ally_web.seed import demo_order

    sample = demo_order()
    if sample:
        click.echo(f"  Sample order:  #{sample[1]} for {sample[0]}")


def all_lifecycles() -> list[Lifecycle]:
    """Every lifecycle of the store, in the order an order lives them."""
    from ally_web.services.checkout.states import CHECKOUT
    from ally_web.services.fit_sessions.states import FIT_SESSION
    from ally_web.services.orders.states import MADE_TO_ORDER, ORDER, SHIPMENT
    from ally_web.services.returns.states import RETURN
    from ally_web.services.trial.states import TRIAL

    return [CHECKOUT, ORDER, SHIPMENT, MADE_TO_ORDER, RETURN, TRIAL, FIT_SESSION]


def lifecycles_markdown() -> str:
    """docs/lifecycles.md as it must read (a test keeps the file in step)."""
    header = (
        "# Lifecycles\n\n"
        "Every object with a lifecycle moves only through these tables (written in each\n"
        "domain's `states.py`; `flask ally lifecycles` prints them). A row is an allowed\n"
        "move and the timeline event it records; anything else is refused with a message\n"
        "naming both states. A state with no row leaving it is final.\n"
    )
    return header + "".join(f"\n{lifecycle.table()}\n" for lifecycle in all_lifecycles())


@ally.command("lifecycles")
def lifecycles_command() -> None:
    """Print every lifecycle's table of allowed moves."""
    click.echo(lifecycles_markdown(), nl=False)


def register_cli(app: Flask) -> None:
    app.cli.add_command(ally)
