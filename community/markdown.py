"""Member-written Markdown, rendered and then sanitised: user content is untrusted.

Markdown turns text into HTML (raw HTML in the input is escaped, not passed
through); nh3 then keeps only a small safe set of tags, attributes and URL schemes,
whatever an extension produced. Links always get rel="noopener nofollow".
"""

from __future__ import annotations

from collections.abc import Sequence

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "code": {"class"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE_CHARS = 50_000


class _EscapeRawHtml(Extension):
    """Raw HTML in a member's text is shown as text, never interpreted."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def sanitise_html(html: str) -> SafeString:
    """Keep only the safe subset of HTML (the last line of defence)."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
    )
    return mark_safe(cleaned)


def render_markdown(text: str, *, extensions: Sequence[Extension] = ()) -> SafeString:
    """Markdown source to safe HTML; extensions may add links (mentions, hashtags)."""
    source = (text or "")[:MAX_SOURCE_CHARS]
    html = markdown.markdown(
        source,
        extensions=[_EscapeRawHtml(), "fenced_code", "sane_lists", "nl2br", *extensions],
        output_format="html",
    )
    return sanitise_html(html)
