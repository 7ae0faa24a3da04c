"""Member-written Markdown, rendered and then sanitised: user content is untrusted.

Markdown turns text into HTML (raw HTML in the input is escaped, not passed
through); nh3 then keeps only a small safe set of tags, attributes and URL schemes,
whatever an extension produced. Links always get rel="noopener nofollow".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.blockprocessors import HashHeaderProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "code": {"class"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE_CHARS = 50_000


class _SpacedHashHeader(HashHeaderProcessor):
    """A heading needs a space after its hashes (as in CommonMark): a post that
    starts with #kubernetes is a hashtag, not a title."""

    RE = re.compile(
        r"(?:^|\n)(?P<level>#{1,6})[ \t]+(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)"
    )


class _DemoteHeadings(Treeprocessor):
    """Member headings start at h3: the page owns h1 and h2 (a sound outline)."""

    def run(self, root):
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                element.tag = f"h{min(6, int(element.tag[1]) + 2)}"


class _MemberText(Extension):
    """Raw HTML in a member's text is shown as text, never interpreted."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.parser.blockprocessors.register(_SpacedHashHeader(md.parser), "hashheader", 70)
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 5)


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
        extensions=[_MemberText(), "fenced_code", "sane_lists", "nl2br", *extensions],
        output_format="html",
    )
    return sanitise_html(html)
