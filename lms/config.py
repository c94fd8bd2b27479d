"""Settings read from the environment, with safe defaults.

Nothing here runs at import time: `load_settings` is called by the factory,
so tests and the CLI can build apps with different environments.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Mapping

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable installation."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: Path) -> str:
    # Development installs keep one generated key so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(env: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Translate `LMS_*` environment variables into Flask config keys."""
    lms_env = env.get("LMS_ENV", "production").strip().lower()
    if lms_env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {lms_env!r}")
    production = lms_env == "production"

    secret_key = env.get("LMS_SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError(
                "LMS_SECRET_KEY is not set. Production refuses to start without one; "
                "generate it with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        secret_key = _dev_secret_key(instance_path)

    database_url = env.get("LMS_DATABASE_URL") or f"sqlite:///{instance_path / 'lms.sqlite3'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs from hosting panels should just work.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]

    llm = _llm_settings(env)
    xapi = _xapi_settings(env)

    return {
        "LMS_ENV": lms_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": _flag(env.get("LMS_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_SECURE": _flag(env.get("LMS_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "MAX_CONTENT_LENGTH": int(env.get("LMS_MAX_UPLOAD_MB", "5")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 12,
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": env.get("LMS_TIMEZONE", "Asia/Tokyo"),
        "LMS_LOCALES": ("ja", "en"),
        "LMS_BASE_URL": env.get("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "LMS_TRUSTED_PROXIES": int(env.get("LMS_TRUSTED_PROXIES", "0")),
        "LMS_SMTP_HOST": env.get("LMS_SMTP_HOST", ""),
        "LMS_SMTP_PORT": int(env.get("LMS_SMTP_PORT", "25")),
        "LMS_SMTP_USERNAME": env.get("LMS_SMTP_USERNAME", ""),
        "LMS_SMTP_PASSWORD": env.get("LMS_SMTP_PASSWORD", ""),
        "LMS_SMTP_STARTTLS": _flag(env.get("LMS_SMTP_STARTTLS"), False),
        "LMS_SMTP_SSL": _flag(env.get("LMS_SMTP_SSL"), False),
        "LMS_SMTP_TIMEOUT": float(env.get("LMS_SMTP_TIMEOUT", "10")),
        "LMS_MAIL_FROM": env.get("LMS_MAIL_FROM", "AI研修 LMS <no-reply@localhost>"),
        # The outbox worker (lms.outbox): rows per claim, attempts before 'failed', first retry delay
        # (doubling up to an hour), and how long a claim lasts before a dead worker's row is taken again.
        "LMS_OUTBOX_BATCH": int(env.get("LMS_OUTBOX_BATCH", "50")),
        "LMS_OUTBOX_MAX_ATTEMPTS": int(env.get("LMS_OUTBOX_MAX_ATTEMPTS", "8")),
        "LMS_OUTBOX_RETRY_SECONDS": int(env.get("LMS_OUTBOX_RETRY_SECONDS", "60")),
        "LMS_OUTBOX_LEASE_SECONDS": int(env.get("LMS_OUTBOX_LEASE_SECONDS", "300")),
        # Sign-in throttling: failures allowed within the window, per account and per address.
        "LMS_LOGIN_WINDOW_MINUTES": int(env.get("LMS_LOGIN_WINDOW_MINUTES", "15")),
        "LMS_LOGIN_MAX_PER_ACCOUNT": int(env.get("LMS_LOGIN_MAX_PER_ACCOUNT", "5")),
        "LMS_LOGIN_MAX_PER_ADDRESS": int(env.get("LMS_LOGIN_MAX_PER_ADDRESS", "30")),
        # The JSON API: requests per token per fixed window, counted in the database (shared by every host).
        "LMS_API_RATE_LIMIT": int(env.get("LMS_API_RATE_LIMIT", "120")),
        "LMS_API_RATE_WINDOW_SECONDS": int(env.get("LMS_API_RATE_WINDOW_SECONDS", "60")),
        "LMS_RESET_TOKEN_HOURS": int(env.get("LMS_RESET_TOKEN_HOURS", "2")),
        "LMS_INVITE_TOKEN_DAYS": int(env.get("LMS_INVITE_TOKEN_DAYS", "14")),
        **llm,
        **xapi,
    }


def _xapi_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """xAPI statements to an LRS (lms.xapi, docs/deploy.md): recorded always, sent only when an endpoint is set."""
    endpoint = env.get("LMS_XAPI_ENDPOINT", "").strip().rstrip("/")
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"LMS_XAPI_ENDPOINT must start with http:// or https://, not {endpoint!r} "
                          "(the LRS's xAPI base, for example https://lrs.example.jp/xAPI)")
    base_url = env.get("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "LMS_XAPI_ENDPOINT": endpoint,
        "LMS_XAPI_USERNAME": env.get("LMS_XAPI_USERNAME", ""),
        "LMS_XAPI_PASSWORD": env.get("LMS_XAPI_PASSWORD", ""),
        # Where the project's own activity, verb and extension IRIs live; set it once and keep it, even when
        # LMS_BASE_URL moves, or an LRS sees the same lesson under two ids.
        "LMS_XAPI_IRI_BASE": env.get("LMS_XAPI_IRI_BASE", "").strip().rstrip("/") or base_url + "/xapi",
        "LMS_XAPI_TIMEOUT": float(env.get("LMS_XAPI_TIMEOUT", "10")),
    }


def _llm_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The optional AI model (lms.llm, docs/llm.md): off while LMS_LLM_BASE_URL is empty, the default."""
    base_url = env.get("LMS_LLM_BASE_URL", "").strip().rstrip("/")
    model = env.get("LMS_LLM_MODEL", "").strip()
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"LMS_LLM_BASE_URL must start with http:// or https://, not {base_url!r} "
                          "(for example http://localhost:11434/v1 for Ollama)")
    if base_url and not model:
        raise ConfigError("LMS_LLM_MODEL is empty: name the model the server at LMS_LLM_BASE_URL should use "
                          "(for example qwen2.5:7b on Ollama)")
    return {
        "LMS_LLM_BASE_URL": base_url,
        "LMS_LLM_API_KEY": env.get("LMS_LLM_API_KEY", ""),
        "LMS_LLM_MODEL": model,
        # Seconds: to connect; the longest silence while waiting for the next part of the answer (a CPU-only
        # server may think for a while before the first word); the whole answer.
        "LMS_LLM_CONNECT_TIMEOUT": float(env.get("LMS_LLM_CONNECT_TIMEOUT", "5")),
        "LMS_LLM_READ_TIMEOUT": float(env.get("LMS_LLM_READ_TIMEOUT", "60")),
        "LMS_LLM_TOTAL_TIMEOUT": float(env.get("LMS_LLM_TOTAL_TIMEOUT", "300")),
        # A failed call is tried again after 10 s, 20 s, 40 s ... (or the server's Retry-After), this many times in all.
        "LMS_LLM_MAX_ATTEMPTS": int(env.get("LMS_LLM_MAX_ATTEMPTS", "4")),
        "LMS_LLM_RETRY_SECONDS": int(env.get("LMS_LLM_RETRY_SECONDS", "10")),
        "LMS_LLM_TEMPERATURE": float(env.get("LMS_LLM_TEMPERATURE", "0.3")),
        "LMS_LLM_MAX_TOKENS": int(env.get("LMS_LLM_MAX_TOKENS", "1500")),
        "LMS_LLM_STREAM": _flag(env.get("LMS_LLM_STREAM"), True),
        # While an answer streams in, the text so far is saved this often, for the page to show.
        "LMS_LLM_PARTIAL_SECONDS": float(env.get("LMS_LLM_PARTIAL_SECONDS", "0.5")),
    }
