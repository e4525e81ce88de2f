"""Per-key rate limit (settings.API_RATE_LIMIT, default 600 requests a minute)."""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        return getattr(settings, "API_RATE_LIMIT", "600/min")

    def get_cache_key(self, request, view) -> str | None:
        key = getattr(request, "auth", None)
        if key is None:
            return None
        return f"throttle:api_key:{key.key_hash[:24]}"
