"""Signal receivers that adapt Django's own events (logins, the Django admin's
LogEntry) into audit entries; connected in CommunityConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import AuditAction
from .services import audit_record

ADMIN_ACTIONS = {1: "addition", 2: "change", 3: "deletion"}


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGIN, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditAction.LOGOUT, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs: Any) -> None:
    # Django has already masked the password in `credentials`; keep only the name.
    username = str(credentials.get("username") or "").strip().lower()
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, request=request, username=username)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    audit_record(
        actor=instance.user,
        action=AuditAction.ADMIN_CHANGE,
        detail={
            "kind": ADMIN_ACTIONS.get(instance.action_flag, str(instance.action_flag)),
            "model": instance.content_type.model if instance.content_type_id else "",
            "object_id": instance.object_id,
            "object": instance.object_repr,
            "change": instance.get_change_message(),
        },
    )
