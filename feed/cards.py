"""Post cards for list pages, assembled from cached viewer-independent parts.

Rendering 20 cards through the template engine was ~60% of the home page
(issue 11, B3). The parts of a card that are the same for every reader are
rendered once (the inline partials of feed/_post_card.html and
feed/_reactions.html) and kept in the cache; a page fetches them for all its
posts in one round trip and adds what is per request: presence, the relative
time, the poll, CSRF token and `next`, the viewer's own reaction and saved state.

Keys are content-addressed: the post id plus a hash of everything the cached
parts show (body, author name, group, badges, files, comment preview, counts),
of the language and time zone, and of the templates themselves. An edit, a
renamed author, a new comment or a language switch makes a new key, so a stale
part is never read; old entries expire. Parts are only looked up for posts the
caller's selector returned, i.e. after the access check.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache as memoize
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Context, engines
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .models import Poll, Post

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "feed/_post_card.html"
REACTIONS_TEMPLATE = "feed/_reactions.html"
# Keys never go stale (they change with the content); this only bounds memory.
CARD_CACHE_SECONDS = 6 * 60 * 60
_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@memoize
def _partial(template: str, name: str):
    return engines["django"].engine.get_template(f"{template}#{name}")


@memoize
def _build_token() -> str:
    """Changes when the card templates, Django or our translations change, so a
    deploy never serves parts rendered by the previous code."""
    digest = hashlib.sha256(django.get_version().encode())
    for name in (CARD_TEMPLATE, REACTIONS_TEMPLATE):
        digest.update((_TEMPLATE_DIR / name).read_bytes())
    for locale_dir in settings.LOCALE_PATHS:
        for catalog in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.mo")):
            digest.update(f"{catalog}:{catalog.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _display_name(user) -> str:
    profile = getattr(user, "profile", None)  # a missing profile raises an AttributeError
    return getattr(profile, "display_name", "") or ""


def _files(post: Post) -> list:
    if getattr(post, "has_attachments", True) is False:
        return []
    return list(post.attachments.all())


def _card_inputs(post: Post) -> tuple:
    """Everything the cached parts render, in a stable form."""
    group = post.group
    return (
        post.pk,
        post.created_at,
        bool(post.pinned_at),
        bool(post.edited_at),
        post.is_announcement,
        post.is_question,
        bool(post.accepted_comment_id),
        post.body_html,
        _display_name(post.author),
        post.author.get_username(),
        (group.slug, group.name) if group is not None else None,
        [(f.pk, f.is_image, f.original_name, f.width, f.height, f.size) for f in _files(post)],
        [
            (_display_name(c.author), c.author.get_username(), c.body)
            for c in getattr(post, "latest_comments", ())
        ],
        [(r["kind"], r["count"]) for r in post.reaction_summary],
        post.comment_count,
    )


def card_key(post: Post, *, language: str, zone: str) -> str:
    """The post's id in clear (no two posts can share a key) and a hash of its inputs."""
    material = repr((_build_token(), language, zone, _card_inputs(post)))
    return f"feedcard:{post.pk}:{hashlib.sha256(material.encode()).hexdigest()}"


def _render_parts(post: Post) -> dict[str, Any]:
    """The viewer-independent parts, both variants where the viewer picks one."""
    context = Context({"post": post, "kind": "post", "target_url": str(post.pk)})

    def render(template: str, name: str, **extra: Any) -> str:
        with context.push(**extra):
            return str(_partial(template, name).render(context))

    buttons = {}
    for reaction in post.reaction_summary:
        plain = {**reaction, "mine": False}
        buttons[reaction["kind"]] = (
            render(REACTIONS_TEMPLATE, "button", reaction=plain),
            render(REACTIONS_TEMPLATE, "button", reaction={**plain, "mine": True}),
        )
    return {
        "top": render(CARD_TEMPLATE, "top"),
        "byline": render(CARD_TEMPLATE, "byline"),
        "body": render(CARD_TEMPLATE, "body"),
        "comments": render(CARD_TEMPLATE, "comments") + render(REACTIONS_TEMPLATE, "open"),
        "buttons": buttons,
        "count": render(REACTIONS_TEMPLATE, "close") + render(CARD_TEMPLATE, "count"),
        "saved": render(CARD_TEMPLATE, "save", post={"is_saved": True}),
        "unsaved": render(CARD_TEMPLATE, "save", post={"is_saved": False}),
    }


def _has_poll(post: Post) -> bool:
    try:
        return bool(getattr(post.poll, "option_list", None))
    except Poll.DoesNotExist:
        return False


def attach_card_html(posts: list[Post], request: HttpRequest) -> None:
    """Set `card_html` on a page of decorated posts (attach_engagement ran):
    one cache read for the page, one write for the parts it had to render.
    Without a cache (Redis down) the cards are rendered, not fetched."""
    if not posts:
        return
    language, zone = str(get_language()), timezone.get_current_timezone_name()
    keys = {post.pk: card_key(post, language=language, zone=zone) for post in posts}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("post cards rendered uncached: the cache is unavailable", exc_info=True)
        found = None
    rendered = {}
    parts_of = {}
    for post in posts:
        parts = (found or {}).get(keys[post.pk])
        if parts is None:
            parts = rendered[keys[post.pk]] = _render_parts(post)
        parts_of[post.pk] = parts
    if rendered and found is not None:
        try:
            cache.set_many(rendered, CARD_CACHE_SECONDS)
        except Exception:
            logger.warning("post cards not cached: the cache is unavailable", exc_info=True)

    # Per request, the same for every card on the page.
    context = Context({"request": request, "csrf_token": get_token(request)})
    presence = _partial(CARD_TEMPLATE, "presence").render(context)
    tokens = _partial(REACTIONS_TEMPLATE, "tokens").render(context)
    save_tokens = _partial(CARD_TEMPLATE, "save_tokens").render(context)
    for post in posts:
        parts = parts_of[post.pk]
        mine = next((r["kind"] for r in post.reaction_summary if r["mine"]), None)
        poll = ""
        if _has_poll(post):
            with context.push(post=post, poll=post.poll):
                poll = _partial(CARD_TEMPLATE, "poll").render(context)
        html = [
            parts["top"],
            presence if getattr(post, "author_online", False) else "",
            parts["byline"],
            conditional_escape(naturaltime(post.created_at)),
            parts["body"],
            poll,
            parts["comments"],
            tokens,
            *(parts["buttons"][kind][kind == mine] for kind in parts["buttons"]),
            parts["count"],
            save_tokens,
            parts["saved" if getattr(post, "is_saved", False) else "unsaved"],
        ]
        post.card_html = SafeString("".join(html))
