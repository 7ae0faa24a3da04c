"""The audit log: who did what security-relevant thing, from where, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    TOKEN_USED = "token_used", _("API token used")
    ADMIN_CHANGE = "admin_change", _("Change in the Django admin")
    MODERATOR_ACTION = "moderator_action", _("Moderator action")


class AuditEntry(models.Model):
    """One security-relevant event. Written by community.services.audit_record
    only; never edited. Failed logins double as the database's login counter
    (community.selectors.login_lockout_seconds), so the lockout holds without Redis."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    # The login name as typed (lowercased) for failed logins, which may name no
    # account; the actor's username otherwise, kept if the account is deleted.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["action", "username", "at"], name="audit_action_user_at"),
            models.Index(fields=["action", "ip", "at"], name="audit_action_ip_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.username}"
