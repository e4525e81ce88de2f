"""Errors raised by services; each carries the reference's error code and an HTTP status."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ServiceError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class ContactNotFound(NotFound):
    code = "contact_not_found"


class DuplicatePhone(ServiceError):
    code = "duplicate_phone"
    status = 409


class InvalidPhone(ServiceError):
    code = "invalid_phone"
    status = 422


class ValidationFailed(ServiceError):
    code = "validation_error"
    status = 422


class ContactLimitReached(ServiceError):
    code = "contact_limit_reached"
    status = 403


class ImportTooLarge(ServiceError):
    code = "import_too_large"
    status = 413


class ContactDnc(ServiceError):
    code = "contact_dnc"
    status = 409


class OutsideCallingHours(ServiceError):
    code = "outside_calling_hours"
    status = 409


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A model ValidationError as the API's validation_error, naming the first bad field."""
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    first = next(iter(details.items()))
    return ValidationFailed(f"{first[0]}: {first[1][0]}", details=details)


class Forbidden(ServiceError):
    """The actor's role in this workspace does not allow the action."""

    code = "forbidden"
    status = 403


class CallNotAllowed(ServiceError):
    """The compliance decision refuses the call (details carry every reason and the rule set version)."""

    code = "call_not_allowed"
    status = 409
