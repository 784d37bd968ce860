"""Operating the service: the booking reconciler and staff accounts."""

from __future__ import annotations

import os
import time

import click

from app.cli.common import cli_settings


@click.command()
@click.option(
    "--older-than",
    "older_than_s",
    default=120,
    show_default=True,
    type=click.IntRange(0),
    help="Only bookings untouched for this many seconds (others may still be running).",
)
@click.option(
    "--every",
    "every_s",
    default=0,
    type=click.IntRange(0),
    help="Repeat every this many seconds (0: once); for a sidecar process or a timer.",
)
def reconcile(older_than_s: int, every_s: int) -> None:
    """Finish or compensate bookings left in flight by a crash or a provider timeout."""
    from datetime import timedelta

    from app import create_app
    from app.booking.saga import BookingSaga
    from app.extensions import db, orm_session
    from app.leadership import leadership_for
    from providers.registry import registry_from_file

    settings = cli_settings(warm_up=False)
    providers = registry_from_file(settings.provider_config, os.environ) if settings.provider_config else None
    app = create_app(settings, providers=providers)
    with app.app_context():
        leader = leadership_for(
            "reconciler",
            engine=db.engine,
            redis_url=settings.redis_url,
            redis_prefix=settings.redis_prefix,
            instance_path=settings.instance_path,
            lease_s=max(60.0, 3.0 * every_s),
        )
    while True:
        if not leader.try_lead():
            click.echo("another reconciler leads; not reconciling this round")
            if not every_s:
                return
            time.sleep(every_s)
            continue
        with app.app_context():
            saga = BookingSaga(
                orm_session(),
                app.extensions["mobility.providers"],
                app.extensions["mobility.payments"],
                app.config["SECRET_KEY"],
            )
            handled = saga.reconcile(older_than=timedelta(seconds=older_than_s))
            click.echo(f"reconciled {len(handled)} booking(s){': ' + ', '.join(handled) if handled else ''}")
        if not every_s:
            leader.release()
            return
        time.sleep(every_s)


@click.group()
def users() -> None:
    """Accounts (staff, operators, administrators)."""


@users.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", type=click.Choice(["resident", "city_staff", "operator", "admin"]), default="resident", show_default=True
)
@click.option("--provider", default=None, help="For operator accounts: the provider instance whose bookings they read.")
@click.password_option(help="Prompted when not given.")
def users_create(email: str, display_name: str, role: str, provider: str | None, password: str) -> None:
    """Create an account with any role (registration through the API only makes residents)."""
    from app import create_app
    from app.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
    from app.extensions import db as database
    from app.models import User

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if role == "operator" and not provider:
        raise click.ClickException("an operator account needs --provider")
    app = create_app(cli_settings(warm_up=False))
    with app.app_context():
        from sqlalchemy.exc import IntegrityError

        database.session.add(
            User(
                email=email.lower(),
                display_name=display_name,
                password_hash=hash_password(password),
                role=role,
                provider=provider,
            )
        )
        try:
            database.session.commit()
        except IntegrityError as exc:
            raise click.ClickException(f"an account with {email} exists") from exc
    click.echo(f"created {role} {email.lower()}")
