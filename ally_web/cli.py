"""`flask ally …` commands: seed the demo, create staff."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ally_web.core.errors import DomainError
from ally_web.extensions import db
from ally_web.jobs import jobs_command
from ally_web.models import StaffRole
from ally_web.services.staff import auth as staff_auth

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
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), default=StaffRole.STYLIST.value, show_default=True)
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


def register_cli(app: Flask) -> None:
    app.cli.add_command(ally)
