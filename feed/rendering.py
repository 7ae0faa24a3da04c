"""Post and comment bodies: Markdown with @mentions and #hashtags linked.

Rendering happens once per write (services store body_html); the result is
sanitised by community.markdown like every other member text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.safestring import SafeString
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from community.markdown import render_markdown

MENTION_RE = re.compile(r"(?<![\w@])@([\w][\w.+-]*[\w])")
HASHTAG_RE = re.compile(r"(?<![\w&#/])#(\w[\w-]{0,49})")
MAX_MENTIONS = 20


@dataclass
class RenderedBody:
    html: SafeString
    mentioned_user_ids: list[int] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)


class _LinkPattern(InlineProcessor):
    def __init__(self, pattern: str, make_link) -> None:
        super().__init__(pattern)
        self.make_link = make_link

    def handleMatch(self, m, data):
        link = self.make_link(m.group(1))
        if link is None:
            return None, None, None
        href, text, css_class = link
        element = ET.Element("a", {"href": href, "class": css_class})
        element.text = text
        return element, m.start(0), m.end(0)


class _MentionsAndHashtags(Extension):
    def __init__(self, users_by_username: dict[str, int], hashtags: set[str]) -> None:
        super().__init__()
        self.users = users_by_username
        self.hashtags = hashtags

    def _mention(self, username: str):
        if username.lower() not in self.users:
            return None
        return f"/people/{username.lower()}/", f"@{username}", "mention"

    def _hashtag(self, word: str):
        tag = word.lower()
        self.hashtags.add(tag)
        return reverse("feed:hashtag", args=[tag]), f"#{word}", "hashtag"

    def extendMarkdown(self, md) -> None:
        patterns = md.inlinePatterns
        patterns.register(_LinkPattern(MENTION_RE.pattern, self._mention), "mention", 175)
        patterns.register(_LinkPattern(HASHTAG_RE.pattern, self._hashtag), "hashtag", 174)


def mentioned_usernames(text: str) -> set[str]:
    return {name.lower() for name in MENTION_RE.findall(text or "")}


def render_body(text: str, *, users_by_username: dict[str, int] | None = None) -> RenderedBody:
    """Render a member's text. Mentions link only to active members (looked up in
    one query unless the caller passes the lookup); unknown names stay text."""
    if users_by_username is None:
        users_by_username = _active_users_named(mentioned_usernames(text))
    hashtags: set[str] = set()
    html = render_markdown(text, extensions=[_MentionsAndHashtags(users_by_username, hashtags)])
    mentioned = sorted(
        {users_by_username[name] for name in mentioned_usernames(text) if name in users_by_username}
    )
    return RenderedBody(html=html, mentioned_user_ids=mentioned, hashtags=sorted(hashtags))


def _active_users_named(names: set[str]) -> dict[str, int]:
    """Active members by lowercased username, matched in any case. Exact
    (lowercase) names first, on the username's unique index; only the names
    left over are matched case-insensitively (username__iexact), on PostgreSQL
    on the index on UPPER(username) (profiles migration 0005)."""
    names = set(sorted(names)[:MAX_MENTIONS])
    if not names:
        return {}
    active = get_user_model().objects.filter(is_active=True)
    found = {
        username.lower(): pk
        for pk, username in active.filter(username__in=names).values_list("pk", "username")
    }
    if rest := names - set(found):
        found |= {
            username.lower(): pk
            for pk, username in active.filter(_any_username(rest)).values_list("pk", "username")
        }
    return found


def _any_username(names: set[str]) -> Q:
    query = Q()
    for name in sorted(names):
        query |= Q(username__iexact=name)
    return query
