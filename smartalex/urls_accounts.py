"""Sign-in URLs (django.contrib.auth's); password reset answers 404 unless settings.PASSWORD_RESET_ENABLED; a new
member's set-password link always works."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path

PASSWORD_RESET_VIEWS = frozenset({"password_reset", "password_reset_done", "password_reset_confirm",
                                  "password_reset_complete"})


def email_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Without an email server a reset link can never arrive: the pages do not exist."""

    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Read per request, not at import, so the setting is the single switch (and tests can flip it).
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404("Password reset is off: no email server is configured (EMAIL_HOST).")
        return view(request, *args, **kwargs)

    return gated


urlpatterns = [
    URLPattern(p.pattern, email_required(p.callback), p.default_args, p.name) if p.name in PASSWORD_RESET_VIEWS else p
    for p in auth_urls.urlpatterns
]
# A new member's one-time set-password link (made by an owner or admin on the Members page or by add_member). It
# needs no email: nobody can request one here, so it stays on whether or not password reset is.
urlpatterns += [
    path("set-password/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/login/?password_set=1"),
         name="set_password_confirm"),
]
