from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .ratelimit import RateLimited, wait_text
from .security import client_ip
from .selectors import login_lockout_seconds


class LoginForm(AuthenticationForm):
    """Django's login form, refusing to even try a password while the account
    or the address is locked out (community.selectors.login_lockout_seconds)."""

    lockout: RateLimited | None = None

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = login_lockout_seconds(username=username, ip=client_ip(self.request) or None)
        if wait:
            message = _(
                "Too many failed logins. For your account's safety, logging in is paused: "
                "try again in %(wait)s, or reset your password."
            ) % {"wait": wait_text(wait)}
            self.lockout = RateLimited(wait, message)
            raise ValidationError(message, code="locked_out")
        return super().clean()
