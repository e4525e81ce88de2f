"""`Authorization: Bearer <key>`: a workspace API key authenticates the request as that workspace."""
from __future__ import annotations

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from contacts import services
from contacts.models import ApiKey, Workspace


@dataclass
class ApiClient:
    """The request's principal: an API key of one workspace (request.user under DRF)."""

    key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    @property
    def workspace(self) -> Workspace:
        return self.key.workspace

    @property
    def pk(self) -> int:
        return self.key.pk

    def __str__(self) -> str:
        return f"API key {self.key.name}"


class BearerKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise exceptions.AuthenticationFailed("Use the header `Authorization: Bearer <API key>`.")
        key = services.api_key_authenticate(raw.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid or has been revoked.")
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


try:  # describe the scheme in the OpenAPI document
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class BearerKeyScheme(OpenApiAuthenticationExtension):
        target_class = "contacts.api.authentication.BearerKeyAuthentication"
        name = "bearerAuth"

        def get_security_definition(self, auto_schema):
            return {"type": "http", "scheme": "bearer",
                    "description": "A workspace API key: Settings → API keys, or `manage.py create_api_key`."}
except ImportError:  # pragma: no cover
    pass
