"""Settings: defaults, MOBILITY_* variables, and start-up refusal naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mail import SmtpConfig, SmtpSecurity
from app.settings import Environment, Settings, SettingsError, load_or_create_secret_key, settings_from_env


def test_defaults_are_the_embedded_sqlite_and_demo_region(tmp_path: Path) -> None:
    settings = settings_from_env({"MOBILITY_INSTANCE_PATH": str(tmp_path)})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'mobility.sqlite3').resolve()}"
    assert settings.resolved_region_path == tmp_path / "regions" / "demo"


def test_variables_are_read_and_typed(tmp_path: Path) -> None:
    settings = settings_from_env(
        {
            "MOBILITY_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/db",
            "MOBILITY_REGION_PATH": str(tmp_path / "kassel"),
            "MOBILITY_REGION_RELOAD_SECONDS": "2.5",
            "MOBILITY_LOG_LEVEL": "DEBUG",
            "HOME": "/ignored",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@127.0.0.1/db"
    assert settings.region_path == tmp_path / "kassel"
    assert settings.region_reload_seconds == 2.5
    assert settings.log_level.value == "DEBUG"


@pytest.mark.parametrize(
    ("environ", "variable", "fragment"),
    [
        ({"MOBILITY_DATABASE_URL": "mysql://x"}, "MOBILITY_DATABASE_URL", "unsupported database scheme"),
        ({"MOBILITY_DATABASE_URL": "postgresql://x/y"}, "MOBILITY_DATABASE_URL", "postgresql+psycopg"),
        ({"MOBILITY_ENV": "staging"}, "MOBILITY_ENV", "development"),
        ({"MOBILITY_LOG_LEVEL": "LOUD"}, "MOBILITY_LOG_LEVEL", "INFO"),
        ({"MOBILITY_REGION_RELOAD_SECONDS": "-1"}, "MOBILITY_REGION_RELOAD_SECONDS", "greater than or equal"),
        ({"MOBILITY_STRIPE_SECRET_KEY": "pk_test_123"}, "MOBILITY_STRIPE_SECRET_KEY", "sk_"),
        ({"MOBILITY_PROVIDER_CONFIG": "/no/such/providers.toml"}, "MOBILITY_PROVIDER_CONFIG", "no such file"),
        ({"MOBILITY_DATABSE_URL": "sqlite://"}, "MOBILITY_DATABSE_URL", "unknown setting"),
    ],
)
def test_invalid_settings_name_the_variable(environ: dict[str, str], variable: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_env(environ)
    assert caught.value.variable == variable
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(variable)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "MOBILITY_SECRET_KEY"),
        ({"MOBILITY_SECRET_KEY": "short"}, "MOBILITY_SECRET_KEY"),
        ({"MOBILITY_SECRET_KEY": "x" * 40}, "MOBILITY_DATABASE_URL"),
        ({"MOBILITY_SECRET_KEY": "x" * 40, "MOBILITY_DATABASE_URL": "sqlite:///a.db"}, "MOBILITY_DATABASE_URL"),
        (
            {"MOBILITY_SECRET_KEY": "x" * 40, "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d"},
            "MOBILITY_REGION_PATH",
        ),
        (
            {
                "MOBILITY_SECRET_KEY": "x" * 40,
                "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
                "MOBILITY_REGION_PATH": "/srv/region",
            },
            "MOBILITY_TICKET_SIGNING_KEY",
        ),
        (
            {
                "MOBILITY_SECRET_KEY": "x" * 40,
                "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
                "MOBILITY_REGION_PATH": "/srv/region",
                "MOBILITY_TICKET_SIGNING_KEY": "/srv/key.pem",
            },
            "MOBILITY_STRIPE_SECRET_KEY",
        ),
        (
            {
                "MOBILITY_SECRET_KEY": "x" * 40,
                "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
                "MOBILITY_REGION_PATH": "/srv/region",
                "MOBILITY_TICKET_SIGNING_KEY": "/srv/key.pem",
                "MOBILITY_STRIPE_SECRET_KEY": "sk_live_x",
            },
            "MOBILITY_STRIPE_WEBHOOK_SECRET",
        ),
    ],
)
def test_production_refuses_development_shortcuts(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_env({"MOBILITY_ENV": "production", **environ})
    assert caught.value.variable == variable


def test_complete_production_settings_are_accepted(tmp_path: Path) -> None:
    settings = settings_from_env(
        {
            "MOBILITY_ENV": "production",
            "MOBILITY_SECRET_KEY": "k" * 48,
            "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
            "MOBILITY_REGION_PATH": str(tmp_path),
            "MOBILITY_STRIPE_SECRET_KEY": "sk_live_123456",
            "MOBILITY_TICKET_SIGNING_KEY": str(tmp_path / "ticket.pem"),
            "MOBILITY_STRIPE_WEBHOOK_SECRET": "whsec_123456",
            "MOBILITY_SELLER_NAME": "Kassel Mobil GmbH",
            "MOBILITY_SELLER_ADDRESS": "Königsplatz 1, 34117 Kassel",
            "MOBILITY_SELLER_VAT_ID": "DE123456789",
            "MOBILITY_SELLER_REGISTER": "Amtsgericht Kassel HRB 1234",
            "MOBILITY_SMTP_HOST": "mail.kassel.example",
            "MOBILITY_SMTP_PORT": "465",
            "MOBILITY_SMTP_SECURITY": "tls",
            "MOBILITY_SMTP_USER": "noreply",
            "MOBILITY_SMTP_PASSWORD": "s3cret",
            "MOBILITY_MAIL_SENDER": "Kassel Mobil <noreply@kassel.example>",
            "MOBILITY_ACCOUNT_LINK_BASE": "https://app.kassel.example/account",
        }
    )
    assert settings.is_production
    assert settings.smtp == SmtpConfig(
        host="mail.kassel.example",
        port=465,
        sender="Kassel Mobil <noreply@kassel.example>",
        security=SmtpSecurity.TLS,
        username="noreply",
        password="s3cret",
    )


PRODUCTION_BUT_MAIL = {
    "MOBILITY_ENV": "production",
    "MOBILITY_SECRET_KEY": "k" * 48,
    "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
    "MOBILITY_REGION_PATH": "/srv/region",
    "MOBILITY_STRIPE_SECRET_KEY": "sk_live_123456",
    "MOBILITY_TICKET_SIGNING_KEY": "/srv/ticket.pem",
    "MOBILITY_STRIPE_WEBHOOK_SECRET": "whsec_123456",
    "MOBILITY_SELLER_NAME": "Kassel Mobil GmbH",
    "MOBILITY_SELLER_ADDRESS": "Königsplatz 1, 34117 Kassel",
    "MOBILITY_SELLER_VAT_ID": "DE123456789",
    "MOBILITY_SELLER_REGISTER": "Amtsgericht Kassel HRB 1234",
}


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "MOBILITY_SMTP_HOST"),
        ({"MOBILITY_SMTP_HOST": "mail.example"}, "MOBILITY_MAIL_SENDER"),
        (
            {"MOBILITY_SMTP_HOST": "mail.example", "MOBILITY_MAIL_SENDER": "noreply@kassel.example"},
            "MOBILITY_ACCOUNT_LINK_BASE",
        ),
        ({"MOBILITY_MAIL_SENDER": "not an address"}, "MOBILITY_MAIL_SENDER"),
        ({"MOBILITY_SMTP_SECURITY": "ssl3"}, "MOBILITY_SMTP_SECURITY"),
        ({"MOBILITY_SMTP_PORT": "70000"}, "MOBILITY_SMTP_PORT"),
        ({"MOBILITY_SMTP_PASSWORD": "x"}, "MOBILITY_SMTP_USER"),
        ({"MOBILITY_ACCOUNT_LINK_BASE": "app.example/verify"}, "MOBILITY_ACCOUNT_LINK_BASE"),
    ],
)
def test_production_needs_complete_mail_settings(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_env(PRODUCTION_BUT_MAIL | environ)
    assert caught.value.variable == variable


def test_without_an_smtp_host_there_is_no_smtp_client_outside_production(tmp_path: Path) -> None:
    assert Settings(instance_path=tmp_path).smtp is None


def test_production_needs_the_sellers_details_for_receipts(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_env(
            {
                "MOBILITY_ENV": "production",
                "MOBILITY_SECRET_KEY": "k" * 48,
                "MOBILITY_DATABASE_URL": "postgresql+psycopg://h/d",
                "MOBILITY_REGION_PATH": str(tmp_path),
                "MOBILITY_STRIPE_SECRET_KEY": "sk_live_123456",
                "MOBILITY_TICKET_SIGNING_KEY": str(tmp_path / "ticket.pem"),
                "MOBILITY_STRIPE_WEBHOOK_SECRET": "whsec_123456",
                "MOBILITY_SELLER_NAME": "Kassel Mobil GmbH",
            }
        )
    assert caught.value.variable == "MOBILITY_SELLER_ADDRESS"


def test_development_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path / "instance")
    first = load_or_create_secret_key(settings)
    second = load_or_create_secret_key(settings)
    assert first == second
    assert len(first) >= 48
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0


def test_configured_secret_key_wins(tmp_path: Path) -> None:
    settings = Settings(instance_path=tmp_path, secret_key="configured-key")
    assert load_or_create_secret_key(settings) == "configured-key"
    assert not (tmp_path / "secret_key").exists()
