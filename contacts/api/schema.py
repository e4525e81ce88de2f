"""OpenAPI post-processing: every operation documents the error envelope and its status codes."""
from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "example": "contact_not_found"},
        "message": {"type": "string"},
        "details": {"type": "object", "additionalProperties": True},
    }}},
}
ERROR_STATUSES = {
    "400": "Bad request", "401": "Missing or invalid API key (`unauthorized`)",
    "403": "Plan contact limit reached (`contact_limit_reached`)", "404": "Not found (`contact_not_found`, ...)",
    "405": "Method not allowed", "406": "Not acceptable",
    "409": "Conflict (`duplicate_phone`, `contact_dnc`, `outside_calling_hours`)",
    "413": "Import too large (`import_too_large`)", "415": "Send JSON",
    "422": "Invalid input (`validation_error`, `invalid_phone`)", "429": "Rate limited (`rate_limited`)",
    "503": "Database unavailable",
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, text in ERROR_STATUSES.items():
                operation["responses"].setdefault(code, {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result


def drop_slash_aliases(endpoints: list) -> list:
    """Each path is served with and without a trailing slash; document it once, as the reference writes it."""
    return [e for e in endpoints if not e[0].endswith("/")]
