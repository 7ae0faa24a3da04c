"""Background work of the feed, run by the task backend (a worker in production)."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone, translation

from .models import DigestSubscription, Notification
from .selectors import digest_items_for, notification_text, notification_url


@task
def notification_email(notification_id: int) -> bool:
    """Email one notification to a member who chose email for its kind."""
    notification = (
        Notification.objects.select_related("recipient__profile", "actor__profile", "post", "group")
        .filter(pk=notification_id, read_at__isnull=True)
        .first()
    )
    if notification is None or not notification.recipient.email:
        return False
    language = getattr(getattr(notification.recipient, "profile", None), "language", "en")
    with translation.override(language):
        text = notification_text(notification)
        send_mail(
            subject=f"Buzz: {text}",
            message=f"{text}\n\n{notification_url(notification, absolute=True)}\n",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    return True


@task
def notification_digest(user_id: int, frequency: str) -> int:
    """One email listing a member's unread notifications since their last digest."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return 0
    items = digest_items_for(user, frequency=frequency)
    if not items:
        return 0
    language = getattr(getattr(user, "profile", None), "language", "en")
    with translation.override(language):
        lines = [
            f"- {notification_text(item)}\n  {notification_url(item, absolute=True)}"
            for item in items
        ]
        subject = translation.ngettext(
            "Buzz: %(n)s thing you missed", "Buzz: %(n)s things you missed", len(items)
        ) % {"n": len(items)}
        send_mail(
            subject=subject,
            message="\n".join(lines) + "\n",
            from_email=None,
            recipient_list=[user.email],
        )
    DigestSubscription.objects.update_or_create(
        user=user, defaults={"last_sent_at": timezone.now()}
    )
    return len(items)
