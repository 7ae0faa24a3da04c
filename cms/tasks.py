"""Background work of the hub, run by the task backend (a worker in production)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import HubDigestSubscription
from .selectors import weekly_digest_for


@task
def hub_weekly_digest(member_id: int) -> bool:
    """The weekly hub email to one subscribed member; nothing when the week was
    empty (no items coming, none new, no shares)."""
    member = get_user_model().objects.filter(pk=member_id, is_active=True).first()
    subscription = HubDigestSubscription.objects.filter(member_id=member_id).first()
    if member is None or subscription is None or not member.email:
        return False
    digest = weekly_digest_for(member)
    if not digest:
        return False
    language = getattr(getattr(member, "profile", None), "language", "en")
    with translation.override(language):
        context = {"digest": digest, "member": member, "base_url": settings.WAGTAILADMIN_BASE_URL}
        send_mail(
            subject=render_to_string("cms/email/weekly_subject.txt", context).strip(),
            message=render_to_string("cms/email/weekly.txt", context),
            from_email=None,
            recipient_list=[member.email],
        )
    subscription.last_sent_at = timezone.now()
    subscription.save(update_fields=["last_sent_at"])
    return True
