"""Signal receivers that adapt Django's own events (logins, the Django admin's
LogEntry) into audit entries, and drop cached API tokens whenever a row they
were built from changes; connected in CommunityConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from profiles.models import AccessToken, Profile, User

from .models import AuditAction
from .services import audit_record, token_cache_forget, token_cache_forget_member

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


# --- the API token cache (community/api_base.py TokenAuth.resolve) -----------------------
# Receivers, not calls in services: a token must stop working at once however its
# row, its member or their roles change (services, the Django admin, a shell),
# and a write path that forgot to call would be a security hole.


@receiver(post_save, sender=AccessToken, dispatch_uid="token_cache_token_saved")
@receiver(post_delete, sender=AccessToken, dispatch_uid="token_cache_token_deleted")
def token_cache_token_changed(sender, instance: AccessToken, **kwargs: Any) -> None:
    if kwargs.get("created") or kwargs.get("update_fields") == frozenset({"last_used_at"}):
        return  # a new token is in no cache; last_used_at decides nothing
    token_cache_forget(secret_hashes=[instance.secret_hash])


@receiver(post_save, sender=User, dispatch_uid="token_cache_member_saved")
@receiver(post_save, sender=Profile, dispatch_uid="token_cache_profile_saved")
def token_cache_member_changed(sender, instance, created: bool, **kwargs: Any) -> None:
    # A login writes last_login alone; a new account has no tokens yet.
    if created or kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    token_cache_forget_member(user_id=instance.pk if sender is User else instance.user_id)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="token_cache_groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="token_cache_perms")
def token_cache_permissions_changed(sender, instance, action: str, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, User):
        token_cache_forget_member(user_id=instance.pk)
    else:  # a Group or Permission: every member it was added to or removed from
        for user_id in kwargs.get("pk_set") or ():
            token_cache_forget_member(user_id=user_id)
