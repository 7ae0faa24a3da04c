"""Reads with rules for the community app: the login lockout."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import AuditAction, AuditEntry

LOGIN_WINDOW = dt.timedelta(hours=1)


def login_lockout_seconds(*, username: str, ip: str | None) -> int:
    """Seconds until a login for `username` from `ip` may be tried again; 0 when
    it may now. At most BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR failures per
    login name (OWASP ASVS 2.2.1) and BUZZ_LOGIN_FAILURES_PER_IP_PER_HOUR per
    address, in the last hour. Counted from the audit log, in the database, so
    it holds without Redis. One query, on the (action, username/ip, at) indexes."""
    now = timezone.now()
    since = now - LOGIN_WINDOW
    by_account = Q(username=username.strip().lower())
    by_ip = Q(ip=ip) if ip else Q(pk__in=[])
    counts = AuditEntry.objects.filter(
        by_account | by_ip, action=AuditAction.LOGIN_FAILED, at__gte=since
    ).aggregate(
        n_account=Count("pk", filter=by_account),
        account_first=Min("at", filter=by_account),
        n_ip=Count("pk", filter=by_ip),
        ip_first=Min("at", filter=by_ip),
    )
    waits = [0.0]
    # While locked out no attempt is tried (or counted), so the lock ends when
    # the oldest failure in the window leaves it.
    if counts["n_account"] >= settings.BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR:
        waits.append((counts["account_first"] + LOGIN_WINDOW - now).total_seconds())
    if counts["n_ip"] >= settings.BUZZ_LOGIN_FAILURES_PER_IP_PER_HOUR:
        waits.append((counts["ip_first"] + LOGIN_WINDOW - now).total_seconds())
    return max(0, math.ceil(max(waits)))
