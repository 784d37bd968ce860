"""The one typed settings object of the application.

Settings come from defaults plus ``MOBILITY_*`` environment variables, read once at the
edge (the CLI, ``wsgi.py``) and passed into :func:`app.create_app`. Nothing else in the
code base reads the environment.

=============================  ===============================================================
variable                       meaning
=============================  ===============================================================
``MOBILITY_ENV``               ``development`` (default), ``testing`` or ``production``
``MOBILITY_INSTANCE_PATH``     folder for the SQLite file, the dev secret key and the demo
                               region (default ``./instance``)
``MOBILITY_DATABASE_URL``      SQLAlchemy URL; default SQLite file in the instance folder;
                               ``postgresql+psycopg://...`` in production
``MOBILITY_REGION_PATH``       region directory (or the symlink ``region build`` switches);
                               default ``<instance>/regions/demo``
``MOBILITY_SECRET_KEY``        signing key; required in production, generated and kept in
                               the instance folder in development
``MOBILITY_PROVIDER_CONFIG``   TOML file listing provider adapter instances
``MOBILITY_STRIPE_SECRET_KEY`` Stripe secret key (``sk_...``); unset: offline payment backend
``MOBILITY_STRIPE_PUBLISHABLE_KEY``  Stripe publishable key (``pk_...``)
``MOBILITY_STRIPE_WEBHOOK_SECRET``   webhook signing secret (``whsec_...``)
``MOBILITY_STRIPE_API_BASE``   alternative Stripe API base URL (tests: localstripe)
``MOBILITY_LOG_LEVEL``         ``DEBUG``, ``INFO`` (default), ``WARNING``, ``ERROR``
``MOBILITY_REGION_RELOAD_SECONDS``  how often a worker checks whether the region switched
                               (default 10; 0 disables)
``MOBILITY_REALTIME_FEEDS``    GTFS-Realtime TripUpdates to poll: ``FEED=URL`` entries separated
                               by spaces, FEED being the region's GTFS name (``nvv=https://...``)
``MOBILITY_REALTIME_VEHICLE_FEEDS``  GTFS-Realtime VehiclePositions, same format and polling
``MOBILITY_REALTIME_ALERT_FEEDS``    GTFS-Realtime ServiceAlerts, same format and polling
``MOBILITY_ACCESS_TOKEN_MINUTES``  lifetime of bearer access tokens (default 15)
``MOBILITY_REFRESH_TOKEN_DAYS``    lifetime of a sign-in session's refresh token (default 30)
``MOBILITY_TICKET_SIGNING_KEY``  Ed25519 private key (PEM file) that signs digital tickets;
                               required in production, generated in the instance folder otherwise
``MOBILITY_RATELIMIT_STORAGE`` where login/registration attempts are counted (flask-limiter
                               storage URI; default: ``MOBILITY_REDIS_URL`` when set, else
                               ``memory://``, per process)
``MOBILITY_REDIS_URL``         optional Redis (``redis://host:6379/0``) shared by every worker and
                               host: rate limits, GBFS and GTFS-RT fetched once per TTL, leader locks
``MOBILITY_REDIS_PREFIX``      prefix of this deployment's Redis keys (default ``kassel-mobility``)
``MOBILITY_PLAN_BUDGET_SECONDS``    time budget of /plan, /vehicles and other reads (default 8)
``MOBILITY_BOOKING_BUDGET_SECONDS`` time budget of booking and purchase actions (default 20)
``MOBILITY_SHARING_REFRESH_SECONDS`` age up to which a provider's fleet is served from the
                               worker's cache without asking for a newer one (default 10)
``MOBILITY_SHARING_WAIT_SECONDS``  longest a request waits for a provider's background refresh
                               (default 3; capped at half the request's remaining budget)
``MOBILITY_SMTP_HOST``         SMTP server that sends account mail (verification, password
                               reset); required in production, unset elsewhere: mail is logged
``MOBILITY_SMTP_PORT``         its port (default 587)
``MOBILITY_SMTP_SECURITY``     ``starttls`` (default), ``tls`` (implicit, port 465) or ``none``
``MOBILITY_SMTP_USER``         user name to log in with (optional)
``MOBILITY_SMTP_PASSWORD``     its password
``MOBILITY_MAIL_SENDER``       the From address of account mail; required with an SMTP host
``MOBILITY_ACCOUNT_LINK_BASE`` where links in account mail point (the app's page that posts the
                               token back); required in production
``MOBILITY_EMAIL_VERIFY_HOURS``    lifetime of an e-mail verification link (default 48)
``MOBILITY_PASSWORD_RESET_MINUTES`` lifetime of a password reset link (default 60)
``MOBILITY_OPEN_DATA_DIR``     folder of the latest open-data export, served at /api/v1/open-data and
                               /open-data/ (default ``<instance>/open-data``)
``MOBILITY_OPEN_DATA_K``       least number of distinct people behind a published figure (default 10)
``MOBILITY_OPEN_DATA_EPSILON`` when set: OpenDP Laplace noise with this epsilon per published line
``MOBILITY_OPEN_DATA_PUBLISHER``  publisher named in the DCAT-AP.de metadata (default Stadt Kassel)
``MOBILITY_WARM_UP``           warm the routing kernels up at start, ``/ready`` 503 until
                               then (default ``true``; ``false`` for one-off commands)
``MOBILITY_KERNEL_CACHE_PATH`` compiled routing kernels (default ``<instance>/numba-cache``;
                               shared by the workers, kept across restarts)
``MOBILITY_SELLER_NAME`` ...   seller on receipts: ``_NAME``, ``_ADDRESS``, ``_VAT_ID``,
                               ``_REGISTER``; demo defaults, required in production
=============================  ===============================================================
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.mail import SmtpConfig, SmtpSecurity

ENV_PREFIX = "MOBILITY_"
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32


class SettingsError(ValueError):
    """Settings cannot be used; the message names the environment variable at fault."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


class Environment(enum.StrEnum):
    """Where the application runs; production refuses development shortcuts."""

    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class LogLevel(enum.StrEnum):
    """Log levels accepted in ``MOBILITY_LOG_LEVEL``."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Settings(BaseModel):
    """Every setting of the application, validated and immutable.

    Build it with :func:`settings_from_env` at the edge, or directly in tests.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    env: Environment = Environment.DEVELOPMENT
    instance_path: Path = Path("instance")
    database_url: str | None = None
    region_path: Path | None = None
    secret_key: str | None = None
    provider_config: Path | None = None
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    log_level: LogLevel = LogLevel.INFO
    region_reload_seconds: Annotated[float, Field(ge=0)] = 10.0
    realtime_feeds: tuple[tuple[str, str], ...] = ()
    """(GTFS feed name, TripUpdates URL) pairs."""
    realtime_vehicle_feeds: tuple[tuple[str, str], ...] = ()
    """(GTFS feed name, VehiclePositions URL) pairs."""
    realtime_alert_feeds: tuple[tuple[str, str], ...] = ()
    """(GTFS feed name, ServiceAlerts URL) pairs."""
    plan_max_wait_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 120
    """Itineraries of /plan that wait longer are shown only when nothing else gets there (flagged longWait)."""
    access_token_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    refresh_token_days: Annotated[int, Field(ge=1, le=365)] = 30
    ratelimit_storage: str | None = None
    redis_url: Annotated[str, Field(pattern=r"^(redis|rediss|unix)://")] | None = None
    redis_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")] = "kassel-mobility"
    ticket_signing_key: Path | None = None
    plan_budget_seconds: Annotated[float, Field(gt=0, le=120)] = 8.0
    booking_budget_seconds: Annotated[float, Field(gt=0, le=600)] = 20.0
    sharing_refresh_seconds: Annotated[float, Field(ge=0, le=3600)] = 10.0
    sharing_wait_seconds: Annotated[float, Field(ge=0, le=60)] = 3.0
    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_sender: str | None = None
    """The From address of account mail (``Kassel Mobil <noreply@...>`` or a bare address)."""
    account_link_base: AnyHttpUrl | None = None
    """Base URL of the links in account mail; the token is appended as ``?token=...``."""
    email_verify_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 48
    password_reset_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    open_data_dir: Path | None = None
    open_data_k: Annotated[int, Field(ge=2, le=1000)] = 10
    open_data_epsilon: Annotated[float, Field(gt=0, le=100)] | None = None
    """Epsilon per published line of calibrated noise; None: k-anonymity without noise."""
    open_data_publisher: Annotated[str, Field(min_length=1, max_length=200)] = "Stadt Kassel"
    warm_up: bool = True
    """Compile (or load) the routing kernels in the background at start; /ready waits for it."""
    kernel_cache_path: Path | None = None
    """Where numba caches the compiled kernels (default ``<instance>/numba-cache``)."""
    seller_name: str | None = None
    seller_address: str | None = None
    seller_vat_id: str | None = None
    seller_register: str | None = None

    @field_validator("realtime_feeds", "realtime_vehicle_feeds", "realtime_alert_feeds", mode="before")
    @classmethod
    def _parse_realtime_feeds(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        pairs = []
        for entry in value.split():
            feed, _, url = entry.partition("=")
            if not feed or not url.startswith(("http://", "https://")):
                msg = f"expected FEED=http(s)://... entries separated by spaces, got {entry!r}"
                raise ValueError(msg)
            pairs.append((feed, url))
        return tuple(pairs)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split(":", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
            msg = f"unsupported database scheme {scheme!r}; use sqlite:///... or postgresql+psycopg://..."
            raise ValueError(msg)
        if scheme in ("postgresql", "postgres"):
            msg = "name the driver: postgresql+psycopg://... (psycopg 3)"
            raise ValueError(msg)
        return value

    @field_validator("mail_sender")
    @classmethod
    def _sender_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        address = value.rpartition("<")[2].rstrip(">").strip() if "<" in value else value.strip()
        try:
            validate_email(address, check_deliverability=False, test_environment=True)
        except EmailNotValidError as exc:
            msg = f"not an e-mail address ({exc}); write noreply@example.org or Name <noreply@example.org>"
            raise ValueError(msg) from exc
        return value

    @model_validator(mode="after")
    def _mail_complete(self) -> Settings:
        if self.smtp_host is not None and self.mail_sender is None:
            msg = "mail_sender: an SMTP host needs MOBILITY_MAIL_SENDER (the From address)"
            raise ValueError(msg)
        if self.smtp_password is not None and self.smtp_user is None:
            msg = "smtp_user: MOBILITY_SMTP_PASSWORD is set but MOBILITY_SMTP_USER is not"
            raise ValueError(msg)
        return self

    @field_validator("stripe_secret_key")
    @classmethod
    def _stripe_secret_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sk_", "rk_")):
            msg = "a Stripe secret key starts with sk_ (or rk_ for a restricted key)"
            raise ValueError(msg)
        return value

    @field_validator("provider_config")
    @classmethod
    def _provider_config_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            msg = f"no such file: {value}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        if not self.secret_key or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            msg = f"secret_key: production needs MOBILITY_SECRET_KEY of at least {MIN_SECRET_KEY_LENGTH} characters"
            raise ValueError(msg)
        if self.database_url is None or self.database_url.startswith("sqlite"):
            msg = "database_url: production needs MOBILITY_DATABASE_URL pointing at PostgreSQL"
            raise ValueError(msg)
        if self.region_path is None:
            msg = "region_path: production needs MOBILITY_REGION_PATH (the demo region is not for production)"
            raise ValueError(msg)
        if self.ticket_signing_key is None:
            msg = "ticket_signing_key: production needs MOBILITY_TICKET_SIGNING_KEY (an Ed25519 PEM file)"
            raise ValueError(msg)
        if not self.stripe_secret_key or not self.stripe_webhook_secret:
            field = "stripe_secret_key" if not self.stripe_secret_key else "stripe_webhook_secret"
            msg = f"{field}: production needs Stripe keys; the offline payment backend is for development only"
            raise ValueError(msg)
        for seller_field in ("seller_name", "seller_address", "seller_vat_id", "seller_register"):
            if not getattr(self, seller_field):
                variable = f"MOBILITY_{seller_field.upper()}"
                msg = f"{seller_field}: production needs the seller's details for receipts ({variable})"
                raise ValueError(msg)
        if self.smtp_host is None:
            msg = "smtp_host: production needs MOBILITY_SMTP_HOST (verification and password reset mail)"
            raise ValueError(msg)
        if self.account_link_base is None:
            msg = "account_link_base: production needs MOBILITY_ACCOUNT_LINK_BASE (where the links in mail point)"
            raise ValueError(msg)
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the instance folder."""
        if self.database_url is not None:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'mobility.sqlite3').resolve()}"

    @property
    def resolved_region_path(self) -> Path:
        """The region directory, defaulting to the demo region in the instance folder."""
        if self.region_path is not None:
            return self.region_path
        return self.instance_path / "regions" / "demo"

    @property
    def resolved_kernel_cache_path(self) -> Path:
        """Where the compiled routing kernels are cached, defaulting to ``<instance>/numba-cache``."""
        return (self.kernel_cache_path or self.instance_path / "numba-cache").resolve()

    @property
    def resolved_ticket_signing_key(self) -> Path:
        """The ticket signing key file, defaulting to one generated in the instance folder."""
        return self.ticket_signing_key or self.instance_path / "ticket_signing_key.pem"

    @property
    def resolved_account_link_base(self) -> str:
        """Where links in account mail point; a local page in development."""
        return str(self.account_link_base) if self.account_link_base else "http://localhost:8000/account"

    @property
    def smtp(self) -> SmtpConfig | None:
        """The SMTP client's configuration, or None when no server is configured (mail is logged)."""
        if self.smtp_host is None or self.mail_sender is None:
            return None
        return SmtpConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            sender=self.mail_sender,
            security=self.smtp_security,
            username=self.smtp_user,
            password=self.smtp_password,
        )

    @property
    def resolved_open_data_dir(self) -> Path:
        """The folder of the latest open-data export, defaulting to ``<instance>/open-data``."""
        return self.open_data_dir or self.instance_path / "open-data"

    @property
    def resolved_ratelimit_storage(self) -> str:
        """Where rate limits are counted: the explicit storage, else Redis when configured, else in process."""
        return self.ratelimit_storage or self.redis_url or "memory://"

    @property
    def is_production(self) -> bool:
        """Whether development shortcuts (offline payments, generated keys) are refused."""
        return self.env is Environment.PRODUCTION


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """Build :class:`Settings` from ``MOBILITY_*`` variables in ``environ``.

    Parameters
    ----------
    environ
        The process environment (or a stand-in in tests).

    Raises
    ------
    SettingsError
        When a variable is unknown or its value is invalid; the message names it.
    """
    fields = Settings.model_fields
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name.removeprefix(ENV_PREFIX).lower()
        if key not in fields:
            known = ", ".join(ENV_PREFIX + f.upper() for f in fields)
            raise SettingsError(name, f"unknown setting; known settings are {known}")
        if raw.strip() == "":
            continue
        values[key] = raw
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = [str(part) for part in first["loc"]]
        message = str(first["msg"]).removeprefix("Value error, ")
        if location:
            field = location[0]
        else:
            field, _, message = message.partition(": ")
        raise SettingsError(ENV_PREFIX + field.upper(), message) from exc


def load_or_create_secret_key(settings: Settings) -> str:
    """Return the configured secret key, or the development key kept in the instance folder.

    A production process never gets here without ``MOBILITY_SECRET_KEY`` (the settings
    validator refuses it), so no generated key ever signs production data.
    """
    if settings.secret_key:
        return settings.secret_key
    if settings.is_production:  # pragma: no cover - prevented by the validator
        raise SettingsError(ENV_PREFIX + "SECRET_KEY", "required in production")
    key_file = settings.instance_path / SECRET_KEY_FILE
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key
