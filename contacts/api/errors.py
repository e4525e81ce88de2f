"""Every API error is `{"error": {"code", "message", "details"}}` with the reference's codes; never HTML."""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from contacts.services import ServiceError

log = logging.getLogger("contacts.api")


def error_body(code: str, message: str, details: dict | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for name, value in detail.items():
            return f"{name}: {_first_message(value)}" if name != "non_field_errors" else _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        message = str(exc.detail) if isinstance(exc, exceptions.AuthenticationFailed) else (
            "Authentication required: send `Authorization: Bearer <API key>`.")
        return Response(error_body("unauthorized", message), status=401,
                        headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1) if exc.wait is not None else 60
        return Response(error_body("rate_limited", f"Too many requests. Retry in {wait} s.",
                                   {"retry_after": wait}), status=429, headers={"Retry-After": str(wait)})
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body("validation_error", f"Malformed request body: {exc.detail}"), status=422)
    if isinstance(exc, exceptions.ValidationError):
        details = _plain(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
        return Response(error_body("validation_error", _first_message(details), details), status=422)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(error_body("unsupported_media_type", "Send JSON with `Content-Type: application/json`."),
                        status=415)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body("method_not_allowed", str(exc.detail)), status=405)
    if isinstance(exc, exceptions.NotAcceptable):
        return Response(error_body("not_acceptable", str(exc.detail)), status=406)
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return Response(error_body(str(code), _first_message(exc.detail)), status=exc.status_code, headers=headers)
    if isinstance(exc, DatabaseError):
        log.exception("database unavailable")
        return Response(error_body("service_unavailable", "The database is unavailable; retry shortly."),
                        status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"})
    return None  # a real bug: Django's 500 handling (and the logs) take over


def not_found_view(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /v1/ answer JSON, not the dashboard's HTML 404."""
    return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
