"""Production: refuses to start without its secrets, or with a short or placeholder SECRET_KEY."""
import os
import re

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for production settings.")
    return value


_MIN_SECRET_KEY_LENGTH = 50
# Keys copied from docs, .env templates and tutorials (compared lower-cased).
_PLACEHOLDER_SECRET_KEYS = frozenset({"changeme", "secret", "secret-key", "secretkey", "your-secret-key", "django"})
_PLACEHOLDER_SECRET_KEY_PARTS = ("changeme", "change-me", "change_me", "insecure", "placeholder", "your-secret-key")
_GENERATE_HINT = "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: str) -> str | None:
    """Why `key` is unfit for production (never quoting it), or None."""
    lowered = key.lower()
    if (key == LOCAL_FALLBACK_SECRET_KEY or lowered.startswith("django-insecure-")  # noqa: F405
            or lowered in _PLACEHOLDER_SECRET_KEYS or any(part in lowered for part in _PLACEHOLDER_SECRET_KEY_PARTS)):
        return "SECRET_KEY is a known placeholder or development key."
    if len(key) < _MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; production needs at least {_MIN_SECRET_KEY_LENGTH} random ones."
    if len(set(key)) < 5 or re.fullmatch(r"(.{1,16})\1+", key):  # Django's W009 asks for 5 distinct characters
        return "SECRET_KEY is a short pattern repeated, not a random key."
    return None


def _secret_key() -> str:
    key = _required("SECRET_KEY")
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(f"{problem} {_GENERATE_HINT}")
    return key


DEBUG = False
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SESSION_COOKIE_SECURE = os.environ.get("SECURE_COOKIES", "true").lower() == "true"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Keep each worker's database connection between requests: opening a PostgreSQL connection costs several
# milliseconds of every request (more than a whole cheap page's SQL). Health checks replace a connection the server
# closed (restart, idle timeout) before the request uses it, instead of failing that request.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "600"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
