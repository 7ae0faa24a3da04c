"""Any text a member can type renders without crashing, and nothing active
survives: no script-capable element, no event handler, no script URL, and
every link opens with rel="noopener nofollow" (DESIGN rule 5).

Hypothesis mixes classic XSS payloads with random text, Markdown syntax,
mentions and hashtags; render_body runs with a known-member lookup so mention
links are produced too, without the database.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from community.markdown import render_markdown
from feed.rendering import render_body

MEMBERS = {"anna": 1, "bob.smith": 2, "x-y": 3}

PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD4="></object>',
    '<embed src="javascript:alert(1)">',
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "<https://ok.example/?q=<script>>",
    "<javascript:alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "[a](<javascript:alert(1)>)",
    "[a]: javascript:alert(1)\n\n[a]",
    "@anna<script>alert(1)</script>",
    "#tag<img src=x onerror=alert(1)>",
    "[@anna](javascript:alert(1))",
    "[#tag](javascript:alert(1))",
    "<a href=https://ok.example onclick=alert(1)>x</a>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "\x00<script>alert(1)</script>",
]

MARKDOWN_BITS = [
    "*",
    "**",
    "_",
    "`",
    "```",
    "> ",
    "- ",
    "1. ",
    "# ",
    "### ",
    "[",
    "](",
    ")",
    "<",
    ">",
    '"',
    "'",
    "&",
    "&#",
    ";",
    "\n",
    "\n\n",
    "    ",
    "@anna",
    "@bob.smith",
    "@x-y",
    "@nobody",
    "#kubernetes",
    "#Tag-1",
    "https://ok.example/a?b=c",
    "mailto:a@b.example",
    "javascript:",
    "data:",
    "vbscript:",
]

member_text = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS),
        st.sampled_from(MARKDOWN_BITS),
        st.text(max_size=40),
    ),
    max_size=12,
).map("".join)

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "img", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
SCRIPT_SCHEMES = {"javascript", "vbscript", "data"}
C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


class ActiveMarkup(HTMLParser):
    """What a browser would act on in the output, as a list of problems."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value:
                # As a browser's URL parser does (WHATWG URL): strip leading and
                # trailing controls and spaces, drop tabs and newlines anywhere.
                compact = re.sub(r"[\t\n\r]", "", value.strip(C0_AND_SPACE))
                scheme, colon, _rest = compact.partition(":")
                if colon and scheme.lower() in SCRIPT_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "a":
            rel = (dict(attrs).get("rel") or "").split()
            if not {"noopener", "nofollow"} <= set(rel):
                self.problems.append(f"<a> without rel noopener nofollow: {attrs!r}")


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.problems


@settings(max_examples=200, deadline=None)
@given(text=member_text)
def test_post_bodies_render_without_active_markup(text):
    rendered = render_body(text, users_by_username=MEMBERS)
    assert active_markup(rendered.html) == [], rendered.html
    assert set(rendered.mentioned_user_ids) <= set(MEMBERS.values())


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_any_unicode_text_renders(text):
    rendered = render_body(text, users_by_username={})
    assert active_markup(rendered.html) == [], rendered.html


@settings(max_examples=100, deadline=None)
@given(text=member_text)
def test_plain_member_markdown_renders_without_active_markup(text):
    # Group descriptions, profile texts...: the renderer without mentions.
    assert active_markup(render_markdown(text)) == []


def test_every_classic_payload_is_inert_on_its_own():
    for payload in PAYLOADS:
        html = render_body(payload, users_by_username=MEMBERS).html
        assert active_markup(html) == [], (payload, html)


def test_the_checker_sees_what_it_must_refuse():
    # The oracle itself: a test that never fails proves nothing.
    assert active_markup('<a href="https://x.example">x</a>')
    assert active_markup('<a rel="noopener nofollow" href="java\tscript:alert(1)">x</a>')
    assert active_markup('<a rel="noopener nofollow" href=" \x01javascript:alert(1)">x</a>')
    # Spaces inside a scheme make it a relative URL, which is harmless.
    assert active_markup('<a rel="noopener nofollow" href="java script:x">x</a>') == []
    assert active_markup('<p onclick="x">x</p>')
    assert active_markup("<script></script>")
    assert active_markup('<img src="data:image/png;base64,AA"/>')
    assert active_markup('<a rel="noopener nofollow" href="https://x.example">x</a>') == []
