"""Request ids on every log line, and one structured log line per business event."""
from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
events = logging.getLogger("contacts.events")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (`-` outside a request, e.g. in a worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Honours an incoming X-Request-ID (from a proxy) or makes one; returns it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _who(actor: Any) -> str:
    if actor is None:
        return ""
    if hasattr(actor, "key_hash"):  # an API key
        return f"api_key:{actor.prefix}"
    if isinstance(actor, str):
        return actor
    return getattr(actor, "get_username", lambda: str(actor))()


def log_event(action: str, *, workspace: Any = None, actor: Any = None, **fields: Any) -> None:
    """One structured line per import, bulk action, DNC change, API key use..., with workspace and user."""
    events.info(action, extra={"event": action, "workspace": getattr(workspace, "slug", workspace or ""),
                               "user": _who(actor), **fields})
