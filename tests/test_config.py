"""Settings: database URLs as operators paste them, the development key, production's refusal, the
environment's spelling, and `.env.example` covering every variable."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import AliasChoices, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from taskagent.app import create_app
from taskagent.config import ConfigurationError, Settings, to_async_url
from tests.conftest import drop_postgres_database, new_postgres_database, require_service
from tests.services import POSTGRES_AVAILABLE, POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    for alias in ("TASKAGENT_DATA_DIR",):
        monkeypatch.delenv(alias, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


# --- database URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        # Neon's connection string, exactly as its console prints it.
        (
            "postgresql://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?sslmode=require",
            "postgresql+asyncpg://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?ssl=require",
        ),
        (
            "postgresql://alex:pw@ep-x-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require",
            "postgresql+asyncpg://alex:pw@ep-x-pooler.eu-central-1.aws.neon.tech/neondb?ssl=require",
        ),
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql+psycopg://u@h/app?sslmode=verify-full", "postgresql+asyncpg://u@h/app?ssl=verify-full"),
        ("postgresql+asyncpg://u@h/app?ssl=require", "postgresql+asyncpg://u@h/app?ssl=require"),
        # A password with reserved characters stays percent-encoded as given.
        ("postgresql://u:p%40ss%2Fw@h/app", "postgresql+asyncpg://u:p%40ss%2Fw@h/app"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite:////abs/path/app.db", "sqlite+aiosqlite:////abs/path/app.db"),
        # SQLAlchemy's own async forms are kept as given, slashes included.
        ("sqlite+aiosqlite:////abs/path/app.db", "sqlite+aiosqlite:////abs/path/app.db"),
        ("sqlite+aiosqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
    ],
)
def test_to_async_url(pasted: str, expected: str) -> None:
    assert to_async_url(pasted) == expected


@pytest.mark.parametrize(
    "pasted",
    [
        "mysql://root:hunter2@db/app",
        "mssql+pyodbc://u:hunter2@h/app",
        "oracle:hunter2",
        "hunter2",
        "redis://h/0",
    ],
)
def test_an_unsupported_database_url_names_the_forms_that_work(pasted: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        to_async_url(pasted)
    message = str(refused.value)
    assert "unsupported" in message and "postgresql://" in message and "sqlite:////" in message
    assert "hunter2" not in message and "\n" not in message


def test_no_database_url_means_sqlite_in_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings_from_env(monkeypatch, TASKAGENT_DATA_DIR=str(tmp_path), DATABASE_URL="")
    assert settings.is_sqlite
    assert settings.async_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'taskagent.db'}"


@pytest.fixture
def own_postgres() -> object:
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    url = new_postgres_database()
    yield url
    drop_postgres_database(url)


async def test_plain_postgres_url_with_sslmode_works_end_to_end(own_postgres: str, tmp_path: Path) -> None:
    """`postgresql://postgres@127.0.0.1:5432/<db>?sslmode=disable`, pasted as-is, serves the whole API."""
    pasted = f"{own_postgres}?sslmode=disable"
    assert pasted.startswith("postgresql://")
    settings = Settings(
        _env_file=None, database_url=pasted, data_dir=tmp_path, secret_key="k" * 48, taskagent_env="test"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            assert (await http.get("/health")).json()["database"] == "ok"
            signup = await http.post(
                "/users/signup", json={"email": "neon@example.com", "password": "correct horse battery"}
            )
            assert signup.status_code == 201, signup.text
            token = await http.post(
                "/token", data={"username": "neon@example.com", "password": "correct horse battery"}
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            created = await http.post("/tasks", json={"title": "from a pasted URL"}, headers=headers)
            assert created.status_code == 201
            assert (await http.get(created.headers["location"], headers=headers)).status_code == 200


async def test_sslmode_require_reaches_the_driver_as_ssl_require() -> None:
    """The local server has no TLS: `sslmode=require` must fail on TLS, not on an unknown argument."""
    require_service("PostgreSQL", POSTGRES_AVAILABLE)
    engine = create_async_engine(to_async_url(f"{POSTGRES_URL}?sslmode=require&channel_binding=require"))
    try:
        with pytest.raises(Exception, match=r"(?i)ssl"):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    engine = create_async_engine(to_async_url(f"{POSTGRES_URL}?sslmode=prefer"))
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


# --- the signing key ----------------------------------------------------------------------------


def test_development_key_is_made_once_and_kept_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = settings_from_env(monkeypatch, TASKAGENT_DATA_DIR=str(tmp_path / "data")).jwt_secret
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text() == first and len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = settings_from_env(monkeypatch, TASKAGENT_DATA_DIR=str(tmp_path / "data")).jwt_secret
    assert again == first
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no scratch files left


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from taskagent.config import Settings; "
        "print(Settings(_env_file=None, data_dir=Path(sys.argv[1])).jwt_secret)"
    )
    env = {"PATH": "/usr/bin:/bin"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "data")], stdout=subprocess.PIPE, text=True, env=env
        )
        for _ in range(6)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(keys) == 1 and len(keys.pop()) >= 32


def test_a_set_secret_key_is_used_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = settings_from_env(monkeypatch, TASKAGENT_DATA_DIR=str(tmp_path / "data"), SECRET_KEY="s" * 40)
    assert settings.jwt_secret == "s" * 40
    assert not (tmp_path / "data").exists()


def test_production_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set when TASKAGENT_ENV=production"):
        settings_from_env(monkeypatch, TASKAGENT_ENV="production", TASKAGENT_DATA_DIR=str(tmp_path))
    settings = settings_from_env(monkeypatch, TASKAGENT_ENV="production", SECRET_KEY="p" * 48)
    assert settings.jwt_secret == "p" * 48


def test_a_damaged_key_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(ConfigurationError, match="holds no usable key"):
        settings_from_env(monkeypatch, TASKAGENT_DATA_DIR=str(tmp_path)).jwt_secret  # noqa: B018


# --- the environment ----------------------------------------------------------------------------


def test_seed_variable_names_keep_their_meaning(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(
        monkeypatch,
        DATABASE_URL="postgresql://u@h/db?sslmode=require",
        SECRET_KEY="x" * 40,
        ALGORITHM="HS256",
        ACCESS_TOKEN_EXPIRE_MINUTES="45",
        TOKEN_RATE_LIMIT="7",
        AGENT_RATE_LIMIT="11",
        ANTHROPIC_API_KEY="sk-ant-test",
        TASKAGENT_MODEL="anthropic:claude-sonnet-4-5",
        REDIS_URL="redis://127.0.0.1:6379/0",
        TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1",
    )
    assert settings.async_database_url == "postgresql+asyncpg://u@h/db?ssl=require"
    assert settings.access_token_expire_minutes == 45
    assert (settings.token_rate_limit, settings.agent_rate_limit) == (7, 11)
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == "sk-ant-test"
    assert (settings.model_provider, settings.model_name) == ("anthropic", "claude-sonnet-4-5")
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_from_env(
        monkeypatch, DATABASE_URL="", REDIS_URL="", SECRET_KEY="", TASKAGENT_DATA_DIR=str(tmp_path)
    )
    assert settings.is_sqlite and settings.redis_url is None and settings.secret_key is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTED_PROXIES", "10.0.0.0/8,not-a-network"),
        ("TASKAGENT_MODEL", "gpt-4o"),
        ("TASKAGENT_MODEL", "openai:"),
        ("ALGORITHM", "none"),
        ("TASKAGENT_ENV", "staging"),
        ("TOKEN_RATE_LIMIT", "0"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    with pytest.raises(ValidationError):
        settings_from_env(monkeypatch, **{name: value})


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):  # the first name is the documented one
        alias = alias.choices[0]
    return alias if isinstance(alias, str) else field_name.upper()


def test_env_example_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    expected = {_env_name(name) for name in Settings.model_fields}
    assert expected - documented == set(), "missing from .env.example"
    assert documented - expected == set(), "documented but not a setting"


def test_env_example_as_shipped_is_a_valid_development_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_from_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    settings = Settings()
    assert settings.taskagent_env == "development" and settings.taskagent_model == "local"
