"""Settings: the only module that reads the environment.

Everything else receives a `Settings` instance (the app factory keeps it in the app's `Resources`
and the `SettingsDep` dependency hands it out), so tests build apps with settings of their own.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from taskagent.notifications.smtp import SmtpTarget

Environment = Literal["development", "production", "test"]


class ConfigurationError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


class Settings(BaseSettings):
    # env_ignore_empty: `DATABASE_URL=` (as docker-compose files and CI scripts write) means "not set".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # Deployment
    taskagent_env: Environment = "development"
    data_dir: Path = Field(default=Path("data"), validation_alias="TASKAGENT_DATA_DIR")

    # Storage (the first seed's names)
    database_url: str | None = None
    redis_url: str | None = None
    # Connections per worker, all kept open: under steady load (bench/run.py, 256 connections) overflow
    # connections were opened and closed again over and over, a PostgreSQL backend each time.
    db_pool_size: int = Field(default=30, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    # Seconds a request waits for a free connection before its 503.
    db_pool_timeout: float = Field(default=30.0, gt=0)

    # Auth (the first seed's names)
    secret_key: SecretStr | None = None
    algorithm: Literal["HS256"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1, le=60 * 24 * 30)
    jwt_issuer: str = "taskagent"
    jwt_audience: str = "taskagent"
    # Hashes at once per worker: half the CPUs (1 to 4), so that logins never take every core from requests.
    password_hash_concurrency: int = Field(
        default_factory=lambda: max(1, min(4, (os.cpu_count() or 2) // 2)), ge=1, le=64
    )
    session_cookie_secure: bool | None = None  # None: Secure when the request came over https

    # Rate limits (requests per minute; the first seed's names)
    token_rate_limit: int = Field(default=5, ge=1)
    agent_rate_limit: int = Field(default=10, ge=1)
    rate_limit_enabled: bool = True
    rate_limit_key_prefix: str = "taskagent"
    # Client addresses are read from X-Forwarded-For only when the peer is one of these.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Models
    taskagent_model: str = "local"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    model_timeout_seconds: float = Field(default=60.0, gt=0)
    model_max_tokens: int = Field(default=2048, ge=16)
    agent_max_turns: int = Field(default=8, ge=1)
    agent_max_tool_calls: int = Field(default=12, ge=1)
    agent_max_run_seconds: float = Field(default=120.0, gt=0)
    # Runs streaming at once per worker (each relayed token costs CPU); the others wait their turn, in
    # order, up to AGENT_QUEUE_SECONDS, then get a "busy" error. bench/streams.py measures the trade-off.
    agent_max_concurrent_runs: int = Field(default=16, ge=1)
    agent_queue_seconds: float = Field(default=120.0, gt=0)
    enable_tracing: bool = False
    # The default plan: agent runs and model tokens (input + output) per user and calendar month (UTC);
    # unset: unlimited. `taskagent plan set` gives a user other limits.
    agent_monthly_runs: int | None = Field(default=None, ge=0)
    agent_monthly_tokens: int | None = Field(default=None, ge=0)

    # Reminders: how often each serving process looks for reminders that came due (0: never; a test's
    # app that wants no background queries). A reminder is sent within about this long of its time.
    reminder_poll_seconds: float = Field(default=15.0, ge=0)
    # Webhooks: how often each serving process sends the deliveries that are due (0: never), and whether a
    # webhook may point at loopback, private, link-local or other non-public addresses (SSRF; false: 422).
    webhook_poll_seconds: float = Field(default=5.0, ge=0)
    webhook_allow_private: bool = False
    # Reminders by email (unset: no email channel): smtp://host[:25], smtp+starttls://host[:587] or
    # smtps://host[:465], with user:password@ when the server wants them and ?from=<address> for the sender.
    smtp_url: SecretStr | None = None

    # The specialists (a TOML file; unset: the built-in scheduler, breakdown, blocker), checked at start-up.
    specialists_file: Path | None = None

    # Operations: the bearer token `/metrics` requires (unset: no `/metrics`).
    metrics_token: SecretStr | None = None
    # Traces (OpenTelemetry's own variable names; `none`: no tracing at all). The exporter also reads the
    # other OTEL_EXPORTER_OTLP_* variables (headers, timeout) from the environment itself.
    otel_traces_exporter: Literal["otlp", "console", "none"] = "none"
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "taskagent"
    # Prompts, answers, tool arguments and results on the spans (the GenAI instrumentations' switch).
    otel_record_content: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "otel_record_content"
        ),
    )

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            SmtpTarget.parse(value.get_secret_value())  # a ValueError names what is wrong
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value

    @field_validator("taskagent_model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        provider, _, name = value.partition(":")
        if provider == "local" and not name:
            return value
        if provider in {"openai", "anthropic", "openai-compatible"} and name:
            return value
        raise ValueError(
            "TASKAGENT_MODEL must be 'local', 'openai:<model>', 'anthropic:<model>' "
            "or 'openai-compatible:<model>'"
        )

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.taskagent_env == "production" and self.secret_key is None:
            raise ConfigurationError(
                "SECRET_KEY must be set when TASKAGENT_ENV=production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    # Derived values -----------------------------------------------------------------------------

    @property
    def smtp(self) -> SmtpTarget | None:
        """Where reminder emails go (None: SMTP_URL is unset, there is no email channel)."""
        return None if self.smtp_url is None else SmtpTarget.parse(self.smtp_url.get_secret_value())

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @cached_property
    def async_database_url(self) -> str:
        """The URL SQLAlchemy's async engine takes, from whatever the operator pasted."""
        if not self.database_url:
            return f"sqlite+aiosqlite:///{(self.data_dir / 'taskagent.db').resolve()}"
        return to_async_url(self.database_url)

    @cached_property
    def jwt_secret(self) -> str:
        """The signing key: SECRET_KEY, or one made once and kept in the data folder."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _load_or_create_secret(self.data_dir / "secret_key")

    @property
    def model_provider(self) -> str:
        return self.taskagent_model.partition(":")[0]

    @property
    def model_name(self) -> str:
        return self.taskagent_model.partition(":")[2]


_SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_SCHEMES = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}
SUPPORTED_DATABASE_URLS = (
    "Use postgresql://user:password@host:5432/name (also postgres://, postgresql+asyncpg://) "
    "or sqlite:///relative/path.db, sqlite:////absolute/path.db (also sqlite+aiosqlite://)"
)


def to_async_url(url: str) -> str:
    """Map a plain database URL (as Neon prints it) to the async driver's form.

    `postgresql://u:p@host/db?sslmode=require` becomes `postgresql+asyncpg://...?ssl=require`:
    asyncpg takes `ssl`, not libpq's `sslmode`, and drops libpq-only options such as
    `channel_binding`. Any other kind of database is a ConfigurationError naming the forms that work.
    """
    scheme, _, rest = url.partition(":")
    if scheme.lower() in _SQLITE_SCHEMES:
        return f"sqlite+aiosqlite:{rest}"  # urlsplit would eat the slashes of sqlite:////abs/path
    if scheme.lower() not in _POSTGRES_SCHEMES:
        # Only the scheme is named: the rest may hold a password.
        kind = f"{scheme[:40]}://" if rest.startswith("//") else "this value"
        raise ConfigurationError(f"DATABASE_URL: {kind} is unsupported. {SUPPORTED_DATABASE_URLS}")
    parts = urlsplit(url)
    scheme = "postgresql+asyncpg"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if scheme == "postgresql+asyncpg":
            if key == "sslmode":
                key = "ssl"
            elif key in {"channel_binding", "options", "target_session_attrs"}:
                continue
        query.append((key, value))
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _load_or_create_secret(path: Path) -> str:
    """Read the development key kept in the data folder, or make it (mode 0600) on first start.

    The file appears complete or not at all (written aside, then hard-linked into place), so workers
    starting together agree on one key: the losers of the race read the winner's.
    """
    if path.exists():
        return _read_secret(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(scratch, path)
        except FileExistsError:
            return _read_secret(path)
    finally:
        scratch.unlink(missing_ok=True)
    return secret


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigurationError(
            f"{path} holds no usable key: delete it to make a new one, or set SECRET_KEY"
        )
    return secret
