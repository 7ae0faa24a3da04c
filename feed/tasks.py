"""Background work of the feed, run by the task backend (a worker in production)."""

from django.core.mail import send_mail
from django.tasks import task
from django.utils import translation

from .models import Notification
from .selectors import notification_text, notification_url


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
