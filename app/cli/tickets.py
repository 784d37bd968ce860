"""``mobility ticket``: the signing key, and verifying or inspecting a ticket token offline."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from app.cli.common import cli_settings, today


@click.group()
def ticket() -> None:
    """Digital tickets: the public key, and offline verification for inspectors."""


@ticket.command("public-key")
def ticket_public_key() -> None:
    """Print the public key (PEM) that verifies tickets offline."""
    from app.tickets.signing import load_or_create_key, public_pem

    settings = cli_settings()
    try:
        key = load_or_create_key(settings.resolved_ticket_signing_key, create=not settings.is_production)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(public_pem(key), nl=False)


@ticket.command("verify")
@click.argument("token")
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Key file: PEM from 'mobility ticket public-key' or GET /api/v1/tickets/public-key.pem, "
    "or the JSON (PEM or JWK) of GET /api/v1/tickets/public-key.",
)
@click.option(
    "--revoked",
    "revoked_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Signed JSON from GET /api/v1/tickets/revoked (tickets that no longer count); its signature is checked.",
)
@click.option("--on", "on_day", type=click.DateTime(["%Y-%m-%d"]), help="Check validity on this day (default: today).")
def ticket_verify(token: str, public_key_file: Path, revoked_file: Path | None, on_day: datetime | None) -> None:
    """Verify a ticket (the text of its QR code) offline: signature, revocation and validity."""
    import json as json_module

    from app.tickets.revocation import RevocationListInvalid, verify_revocation_list
    from app.tickets.signing import TicketInvalid, load_public_key, verify_ticket

    try:
        public_key = load_public_key(public_key_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the public key {public_key_file}: {exc}") from exc
    revoked: frozenset[str] = frozenset()
    if revoked_file is not None:
        try:
            revoked = verify_revocation_list(json_module.loads(revoked_file.read_text("utf-8")), public_key)
        except (OSError, ValueError, RevocationListInvalid) as exc:
            raise click.ClickException(f"cannot use the revocation list {revoked_file}: {exc}") from exc
    day = on_day.date() if on_day else today()
    try:
        claims = verify_ticket(token, public_key, revoked=revoked, on=day)
    except TicketInvalid as exc:
        click.echo(f"INVALID: {exc}")
        sys.exit(1)
    click.echo(
        f"VALID {claims.product} for {claims.holder}, {claims.valid_from} to {claims.valid_until} "
        f"(ticket {claims.ticket_id})"
    )


@ticket.command("inspect")
@click.argument("token")
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also check the signature with this key (PEM, JWK or the JSON of GET /api/v1/tickets/public-key).",
)
@click.option(
    "--language",
    type=click.Choice(["de", "en"]),
    default="de",
    show_default=True,
    help="Language of the texts (the token carries both).",
)
def ticket_inspect(token: str, public_key_file: Path | None, language: str) -> None:
    """Show what a ticket says, offline: holder, product, validity, area and companions."""
    from app.i18n import text
    from app.tickets.signing import TicketInvalid, load_public_key, read_claims, verify_ticket
    from app.tickets.view import view_from_claims

    try:
        claims = read_claims(token)
    except TicketInvalid as exc:
        click.echo(text("ticket.unreadable", language, reason=exc.reason.in_(language)))
        sys.exit(1)
    for line in view_from_claims(claims).lines(language):
        click.echo(line)
    if public_key_file is None:
        click.echo(text("ticket.signature_unchecked", language))
        return
    try:
        public_key = load_public_key(public_key_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the public key {public_key_file}: {exc}") from exc
    try:
        verify_ticket(token, public_key)
    except TicketInvalid as exc:
        click.echo(text("ticket.signature_invalid", language, reason=exc.reason.in_(language)))
        sys.exit(1)
    click.echo(text("ticket.signature_genuine", language))
