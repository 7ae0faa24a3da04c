"""Writes of the hub: share links, shares and the clicks on them."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape, linebreaks
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.rich_text import RichText

from community.uploads import check_size, open_image, reencode_image
from metrics.models import EventKind
from metrics.services import event_record

from .models import (
    X_LIMIT,
    X_LINK_LENGTH,
    HubDigestSubscription,
    Network,
    ShareableItemPage,
    ShareClick,
    ShareLink,
    SocialHubPage,
    share_code,
)

SHARE_TEXT_MAX = 3000
UTM_MEDIUM = "employee_advocacy"
# Link-preview fetchers, crawlers and scripts: redirected, never counted.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|facebookexternalhit|facebot|embedly|preview|whatsapp|"
    r"telegram|skype|discord|slack|curl|wget|python-|httpclient|okhttp|go-http|headless|"
    r"lighthouse|monitor|scan",
    re.IGNORECASE,
)


def share_text_check(network: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(_("Write something to go with the link."))
    if len(text) > SHARE_TEXT_MAX:
        raise ValidationError(_("The text is too long."))
    if network == Network.X and len(text) > X_LIMIT - X_LINK_LENGTH - 1:
        raise ValidationError(
            _("X allows %(limit)d characters and the link takes %(link)d: shorten the text.")
            % {"limit": X_LIMIT, "link": X_LINK_LENGTH + 1}
        )
    return text


@transaction.atomic
def share_create(*, actor, item: ShareableItemPage, network: str, text: str) -> ShareLink:
    """A member shares an item: their short link for (item, network) is made
    once and reused, the text they send is kept beside the suggested one, and
    the share counts now (see ShareLink). One participation event per share."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Log in to share."))
    if network not in Network.values:
        raise ValidationError(_("Unknown network."))
    if not ShareableItemPage.objects.shareable().filter(pk=item.pk).exists():
        raise ValidationError(_("This item is not open for sharing."))
    text = share_text_check(network, text)
    link = (
        ShareLink.objects.select_for_update()
        .filter(member=actor, item=item, network=network)
        .first()
    )
    if link is None:
        try:
            with transaction.atomic():
                link = ShareLink.objects.create(
                    member=actor,
                    item=item,
                    network=network,
                    suggested_text=item.suggested_text(network),
                    shared_text=text,
                    shares=1,
                )
        except IntegrityError:  # the same member sharing twice at once
            link = ShareLink.objects.select_for_update().get(
                member=actor, item=item, network=network
            )
            link = _share_again(link, item, text)
    else:
        link = _share_again(link, item, text)
    event_record(actor=actor, kind=EventKind.SHARE, target=item, network=network)
    return link


def _share_again(link: ShareLink, item: ShareableItemPage, text: str) -> ShareLink:
    ShareLink.objects.filter(pk=link.pk).update(
        shares=F("shares") + 1,
        shared_text=text,
        suggested_text=item.suggested_text(link.network),
        last_shared_at=timezone.now(),
    )
    link.refresh_from_db()
    return link


def short_url(link: ShareLink, *, base: str) -> str:
    return f"{base.rstrip('/')}/s/{link.code}"


def network_share_url(link: ShareLink, *, short: str) -> str:
    """The network's own share dialog (their official share URLs)."""
    text = link.shared_text
    if link.network == Network.LINKEDIN:
        # LinkedIn takes only the link; the page copies the text to paste.
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": short})
    if link.network == Network.X:
        return "https://x.com/intent/post?" + urlencode({"text": text, "url": short})
    if link.network == Network.FACEBOOK:
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": short})
    if link.network == Network.WHATSAPP:
        return "https://wa.me/?" + urlencode({"text": f"{text} {short}"})
    return "mailto:?" + urlencode(
        {"subject": link.item.title, "body": f"{text}\n\n{short}"}, quote_via=quote
    )


def destination_url(link: ShareLink) -> str:
    """The item's canonical URL with UTM parameters: never anything from the request."""
    parts = urlsplit(link.item.canonical_url)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.startswith("utm_")
    ]
    campaign = link.item.campaign.slug if link.item.campaign_id else "hub"
    query += [
        ("utm_source", link.network),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", campaign),
        ("utm_content", link.code),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


def visitor_hash(link: ShareLink, *, address: str, user_agent: str) -> str:
    """A salted hash per link: the same visitor is recognised on this link only,
    and neither the address nor the browser is stored."""
    key = hashlib.sha256(f"{settings.SECRET_KEY}:share-click".encode()).digest()
    message = f"{link.pk}|{address}|{user_agent}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def share_click_record(link: ShareLink, *, address: str, user_agent: str) -> bool:
    """Count a visitor once per link; bots are never counted. True if counted."""
    if is_bot(user_agent):
        return False
    visitor = visitor_hash(link, address=address, user_agent=user_agent)
    with transaction.atomic():
        _click, created = ShareClick.objects.get_or_create(link=link, visitor=visitor)
        if created:
            # The click is the sharer's impact: the event is theirs.
            event_record(
                actor=link.member, kind=EventKind.CLICK, target=link.item, network=link.network
            )
    return created


CREATORS_GROUP = "Social creators"
SUBMISSION_KINDS = {"story": "article", "photo": "article", "video": "video"}


def user_may_submit(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return settings.BUZZ_HUB_SUBMISSIONS_OPEN or user.groups.filter(name=CREATORS_GROUP).exists()


@transaction.atomic
def submission_create(
    *, actor, kind: str, title: str, text: str, link: str, photo=None
) -> ShareableItemPage:
    """A creator's story, photo or video link becomes a draft item under the hub,
    owned by and credited to them, and goes into the editors' review workflow."""
    if not user_may_submit(actor):
        raise PermissionDenied(_("Only social creators may submit stories."))
    if kind not in SUBMISSION_KINDS:
        raise ValidationError(_("Choose a story, a photo or a video."))
    hub = SocialHubPage.objects.first()
    if hub is None:
        raise ValidationError(_("There is no hub to submit to."))
    image = None
    if photo is not None:
        check_size(photo, settings.BUZZ_PHOTO_MAX_BYTES)
        picture = open_image(photo, max_pixels=settings.BUZZ_PHOTO_MAX_PIXELS)
        image = get_image_model().objects.create(
            title=title[:255],
            file=reencode_image(picture, name=slugify(title)[:50] or "photo"),
            uploaded_by_user=actor,
        )
    item = ShareableItemPage(
        title=title,
        slug=f"{slugify(title)[:40] or 'story'}-{share_code().lower()[:6]}",
        kind=SUBMISSION_KINDS[kind],
        summary=text[:300],
        body=[("paragraph", RichText(linebreaks(escape(text))))],
        canonical_url=link,
        image=image,
        live=False,
        owner=actor,
    )
    hub.add_child(instance=item)
    item.save_revision(user=actor, log_action=True)
    workflow = item.get_workflow()
    if workflow is not None:
        workflow.start(item, actor)
    return item


def hub_digest_subscribe(*, member) -> HubDigestSubscription:
    subscription, _created = HubDigestSubscription.objects.get_or_create(member=member)
    return subscription


def hub_digest_unsubscribe(*, member) -> None:
    HubDigestSubscription.objects.filter(member=member).delete()
