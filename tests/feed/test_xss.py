"""Hostile text in posts, comments, names and descriptions renders inert."""

import re
from html.parser import HTMLParser

import pytest

from community.markdown import render_markdown
from feed import services
from groups.models import Visibility
from profiles.models import Profile
from tests.factories import GroupFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<svg onload="alert(1)"><circle r="10"/></svg>',
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '"><script>alert(1)</script>',
    "<details open ontoggle=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]
DANGEROUS_TAGS = {"script", "svg", "iframe", "img", "object", "embed", "style"}
STATIC_PREFIX = "/static/"  # our own scripts; member text can never produce a tag


class ActiveMarkupFinder(HTMLParser):
    """Collects what a browser would act on: elements and attributes, not text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and (attributes.get("src") or "").startswith(STATIC_PREFIX):
            return
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in {"href", "src", "action"} and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).split(":", 1)[0].lower()
                if ":" in value and scheme in {"javascript", "data", "vbscript"}:
                    self.found.append(f"{tag} {name}={value}")


def assert_inert(html: str) -> None:
    finder = ActiveMarkupFinder()
    finder.feed(html)
    assert finder.found == [], f"active markup {finder.found} in {html[:500]!r}"


@pytest.mark.parametrize(
    "live", ['<img src=x onerror="alert(1)">', '<a href=" javascript:alert(1)">x</a>', "<svg/>"]
)
def test_the_detector_itself_catches_live_markup(live):
    with pytest.raises(AssertionError):
        assert_inert(live)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renderer_leaves_no_active_markup(payload):
    assert_inert(render_markdown(payload))


def test_post_comment_group_and_name_payloads_render_inert_on_every_page(member, member_client):
    hostile = " ".join(PAYLOADS)
    group = GroupFactory(name=hostile[:120], description=hostile, visibility=Visibility.OPEN)
    MembershipFactory(group=group, user=member)
    author = UserFactory()
    Profile.objects.filter(user=author).update(display_name=PAYLOADS[0], job_title=PAYLOADS[1])
    MembershipFactory(group=group, user=author)
    author.refresh_from_db()
    post = services.post_create(actor=author, body=hostile, group=group)
    services.comment_create(actor=author, post=post, body=hostile)
    for url in [
        "/",
        f"/groups/{group.slug}/",
        f"/groups/{group.slug}/members/",
        f"/posts/{post.pk}/",
        "/groups/",
        "/people/",
    ]:
        html = member_client.get(url).content.decode()
        assert_inert(html)
    assert "&lt;script&gt;" in member_client.get(f"/posts/{post.pk}/").content.decode()


def test_links_members_write_open_safely():
    html = render_markdown("[docs](https://docs.example/a)")
    assert html == '<p><a href="https://docs.example/a" rel="noopener nofollow">docs</a></p>'


def test_a_post_starting_with_a_hashtag_is_not_a_heading_and_headings_start_at_h3():
    html = render_markdown("#kubernetes rocks\n\n# Title\n## Sub")
    assert "<p>#kubernetes rocks</p>" in html
    assert "<h3>Title</h3>" in html and "<h4>Sub</h4>" in html
