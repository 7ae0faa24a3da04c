"""Invitation emails are sent by the task backend, never inside the request."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation


@task
def invitation_deliver(invitation_id: int) -> bool:
    """Make a fresh token for an email invitation and send it. The token lives
    only in the email; the database keeps its hash."""
    from .services import invitation_token_rotate

    invitation = (
        Invitation.objects.select_related("inviter__profile").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.status() != "pending" or not invitation.email:
        return False
    token = invitation_token_rotate(invitation=invitation)
    language = getattr(getattr(invitation.inviter, "profile", None), "language", "en")
    with translation.override(language):
        context = {
            "invitation": invitation,
            "inviter": getattr(getattr(invitation.inviter, "profile", None), "display_name", ""),
            "url": invitation_url(token),
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("invites/email/subject.txt", context).strip(),
            body=render_to_string("invites/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("invites/email/invitation.html", context), "text/html"
        )
        message.send()
    return True


def invitation_url(token: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("invites:join", args=[token])
