"""Test settings: fast hashing, tasks run inline unless a test picks another backend."""
from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Serve static files straight from the finders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Login throttling is tested on its own (tests/test_accounts_security.py enables it); client.login() in other
# tests calls authenticate() without a request, which django-axes refuses.
AXES_ENABLED = False
# Tests run real webhook receivers on 127.0.0.1; tests/test_webhooks.py turns this off to check the refusal.
WEBHOOKS_ALLOW_PRIVATE = True
# Sending threads have their own connections, which cannot see a test's transaction: one at a time in tests.
WEBHOOKS_CONCURRENCY = 1
