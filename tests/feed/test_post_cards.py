"""Home feed cards come from cached viewer-independent parts (feed.cards): they
must show exactly what the template shows, per viewer, and never a stale part."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from feed import cards, services
from feed.models import Post
from feed.selectors import attach_latest_comments, feed_for_member
from groups.models import Visibility
from profiles.models import User
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cards live in the cache (Redis in the Redis leg), outside the test's
    transaction, and post ids repeat between test runs."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def home(client: Client, **headers) -> str:
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def card_of(html: str, post) -> str:
    start = html.index(f'id="post-{post.pk}"')
    start = html.rindex("<article", 0, start)
    return html[start : html.index("</article>", start)]


def test_cached_card_is_the_templates_card_for_every_viewer_state(member, settings, tmp_path):
    """Poll, files, comments preview, badges, presence, own reaction and saved
    state: the assembled card equals the template's, byte for byte (CSRF aside)."""
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    group = GroupFactory(name="Risk & <Return>")
    MembershipFactory(group=group, user=member)
    author = UserFactory()
    MembershipFactory(group=group, user=author)
    post = services.post_publish(
        actor=author,
        body="Which **option**? <script>x</script>",
        group=group,
        is_question=True,
        uploads=[SimpleUploadedFile("notes.txt", b"plain words")],
        poll_options=["A", "B"],
        poll_multiple=False,
        poll_closes_at=None,
    )
    CommentFactory(post=post, body="first " * 60)
    services.reaction_toggle(actor=member, kind="celebrate", post=post)
    services.reaction_toggle(actor=UserFactory(), kind="like", post=post)
    services.bookmark_toggle(actor=member, post=post)
    cache.set(f"presence:{author.pk}", 1)
    PostFactory(group=None, body="plain company-wide post")

    for _warm_then_cached in range(2):
        request = RequestFactory().get("/?after=x&y=<z>")
        request.user = member
        page = feed_for_member(member)
        attach_latest_comments(page.items)  # as the home page does
        assert page.items[-1].has_attachments and page.items[-1].author_online
        expected = [
            render_to_string("feed/_post_card.html", {"post": p}, request=request)
            for p in page.items
        ]
        cards.attach_card_html(page.items, request)
        assembled = [
            render_to_string("feed/_post_card.html", {"post": p}, request=request)
            for p in page.items
        ]
        assert [CSRF.sub("", html) for html in assembled] == [
            CSRF.sub("", html) for html in expected
        ]
    assert "reaction--mine" in assembled[-1] and 'class="poll"' in assembled[-1]
    assert "latest-comments" in assembled[-1]


def test_viewers_own_reaction_and_saved_state_are_not_shared_through_the_cache(member):
    post = PostFactory(group=None)
    services.reaction_toggle(actor=member, kind="like", post=post)
    services.bookmark_toggle(actor=member, post=post)
    mine = card_of(home(client_for(member)), post)
    assert "reaction--mine" in mine and 'aria-pressed="true">Saved' in mine

    other = card_of(home(client_for(UserFactory())), post)  # same counts: same cached parts
    assert "reaction--mine" not in other
    assert 'aria-pressed="false">Save<' in other
    assert 'aria-label="Like: 1"' in other


def test_an_edited_post_shows_its_new_text(member):
    post = services.post_create(actor=member, body="The first words")
    client = client_for(member)
    assert "The first words" in home(client)
    services.post_update(actor=member, post=post, body="Better words")
    html = home(client)
    assert "Better words" in html and "The first words" not in html
    assert 'class="edited"' in card_of(html, post)


def test_a_deleted_post_is_gone(member):
    post = services.post_create(actor=member, body="Soon gone")
    client = client_for(member)
    assert "Soon gone" in home(client)
    services.post_delete(actor=member, post=post)
    assert "Soon gone" not in home(client)


def test_a_renamed_author_shows_the_new_name(member):
    author = UserFactory()
    PostFactory(group=None, author=author)
    client = client_for(member)
    author.profile.display_name = "Old Name"
    author.profile.save()
    assert "Old Name" in home(client)
    author.profile.display_name = "New Name"
    author.profile.save()
    html = home(client)
    assert "New Name" in html and "Old Name" not in html


def test_a_renamed_commenter_and_new_comments_show(member):
    post = PostFactory(group=None)
    commenter = UserFactory()
    CommentFactory(post=post, author=commenter, body="an early comment")
    client = client_for(member)
    assert "1 comment<" in card_of(home(client), post)
    commenter.profile.display_name = "Renamed Commenter"
    commenter.profile.save()
    services.comment_create(actor=UserFactory(), post=post, body="a later comment")
    card = card_of(home(client), post)
    assert "Renamed Commenter" in card and "a later comment" in card and "2 comments<" in card


def test_reaction_counts_follow_new_reactions(member):
    post = PostFactory(group=None)
    client = client_for(member)
    assert 'aria-label="Insightful: 0"' in card_of(home(client), post)
    services.reaction_toggle(actor=UserFactory(), kind="insightful", post=post)
    assert 'aria-label="Insightful: 1"' in card_of(home(client), post)


def test_switching_language_shows_the_card_in_the_new_language(member):
    post = PostFactory(group=None)
    client = client_for(member)
    english = card_of(home(client, HTTP_ACCEPT_LANGUAGE="en"), post)
    assert "company-wide" in english
    dutch = card_of(home(client, HTTP_ACCEPT_LANGUAGE="nl"), post)
    assert "bedrijfsbreed" in dutch and "company-wide" not in dutch
    assert "company-wide" in card_of(home(client, HTTP_ACCEPT_LANGUAGE="en"), post)


def test_a_secret_groups_card_never_reaches_a_non_member(member):
    secret = GroupFactory(visibility=Visibility.SECRET)
    insider = UserFactory()
    MembershipFactory(group=secret, user=insider)
    post = PostFactory(group=secret, body="merger codename", author=insider)
    assert "merger codename" in home(client_for(insider))  # its parts are now cached

    outsider_page = home(client_for(member))
    assert "merger codename" not in outsider_page and f'id="post-{post.pk}"' not in outsider_page
    twin = PostFactory(group=None, body="merger codename", author=insider)
    [twin] = feed_for_member(member).items
    [original] = feed_for_member(insider).items[1:]
    key = cards.card_key(twin, language="en", zone="UTC")
    assert key.startswith(f"feedcard:{twin.pk}:")
    assert key != cards.card_key(original, language="en", zone="UTC")


def test_cards_render_when_the_cache_is_down(member, monkeypatch):
    PostFactory(group=None, body="still readable")

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cards.cache, "get_many", down)
    monkeypatch.setattr(cards.cache, "set_many", down)
    assert "still readable" in home(client_for(member))


def test_home_query_count_is_the_same_for_5_and_20_posts_and_at_most_10(member):
    client = client_for(member)

    def add_posts(count):
        for _ in range(count):
            post = PostFactory(group=None)
            CommentFactory(post=post)
            services.reaction_toggle(actor=UserFactory(), kind="like", post=post)

    add_posts(5)
    queries = assert_constant_query_count(lambda: home(client), lambda: add_posts(15))
    assert queries <= 10


# --- every page that shows post cards -------------------------------------------------


def _scene(member, tmp_path, settings) -> dict[str, str]:
    """Posts that every card page shows, with what varies a card (pin, poll, file,
    comments, reactions, saved state, presence, HTML-significant names), and the
    URL of each page. Times are hours back so "2 days ago" holds while we compare."""
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile

    from groups.models import Role

    settings.MEDIA_ROOT = tmp_path
    author = UserFactory(username="prolific")
    author.profile.display_name = "Ann <O'Neil> & co"
    author.profile.save()
    group = GroupFactory(slug="guild", name="Risk & <Return>")
    MembershipFactory(group=group, user=author, role=Role.OWNER)
    MembershipFactory(group=group, user=member)
    body = f"#ifrs17 update for @{member.username}"
    posts = [
        services.post_publish(
            actor=author,
            body=f"{body} with a **poll**",
            group=group,
            is_question=True,
            uploads=[SimpleUploadedFile("notes.txt", b"plain words")],
            poll_options=["A", "B"],
            poll_multiple=False,
            poll_closes_at=None,
        ),
        services.post_create(actor=author, body=f"{body}, pinned", group=group),
        services.post_create(actor=author, body=f"{body}, plain", group=group),
    ]
    services.post_pin(actor=author, post=posts[1])
    CommentFactory(post=posts[0], body="a <b>bold</b> comment " * 10)
    services.reaction_toggle(actor=member, kind="celebrate", post=posts[0])
    services.reaction_toggle(actor=UserFactory(), kind="like", post=posts[2])
    for post in posts:
        services.bookmark_toggle(actor=member, post=post)
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(
        created_at=timezone.now() - dt.timedelta(days=2, hours=3)
    )
    cache.set(f"presence:{author.pk}", 1)
    return {
        "group": "/groups/guild/",
        "hashtag": "/tags/ifrs17/",
        "saved": "/saved/",
        "profile posts": "/people/prolific/posts/",
        "mentions": "/mentions/",
        "post": f"/posts/{posts[0].pk}/",
    }


def _uncached(monkeypatch) -> None:
    """The pages as they were: every card rendered by the template in place."""
    import feed.views
    import groups.views

    for module in (feed.views, groups.views):
        monkeypatch.setattr(module, "attach_card_html", lambda posts, request: None)


PAGES = ["group", "hashtag", "saved", "profile posts", "mentions", "post"]


@pytest.mark.parametrize("page", PAGES)
def test_card_pages_are_byte_identical_to_the_uncached_rendering(
    page, member, tmp_path, settings, monkeypatch
):
    url = _scene(member, tmp_path, settings)[page]
    client = client_for(member)
    cold, warm = client.get(url), client.get(url)  # parts rendered, then read from the cache
    with monkeypatch.context() as patch:
        _uncached(patch)
        plain = client.get(url)
    pages = [CSRF.sub("", response.content.decode()) for response in (cold, warm, plain)]
    assert pages[0] == pages[2] and pages[1] == pages[2]
    assert "reaction--mine" in pages[0]
    assert 'class="poll"' in pages[0] and "notes.txt" in pages[0]


@pytest.mark.parametrize("page", PAGES)
def test_card_pages_fill_the_card_cache(page, member, tmp_path, settings):
    """Guards the test above: the cached path must really run on every page."""
    url = _scene(member, tmp_path, settings)[page]
    calls = []
    original = cards._render_parts

    def counting(post):
        calls.append(post.pk)
        return original(post)

    client = client_for(member)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cards, "_render_parts", counting)
        client.get(url)
        rendered = len(calls)
        client.get(url)
    assert rendered >= 1 and len(calls) == rendered  # the second visit rendered nothing


def test_a_cached_secret_card_reaches_no_non_member_on_any_page(member, tmp_path, settings):
    """A member warms the cache with a secret group's cards on every page; an
    outsider, and the member once they left, get none of them by any page."""
    from groups.services import membership_leave

    secret = GroupFactory(slug="vault", visibility=Visibility.SECRET)
    insider = UserFactory(username="insider")
    MembershipFactory(group=secret, user=insider, role="owner")
    MembershipFactory(group=secret, user=member)
    post = services.post_create(
        actor=insider, body=f"Project Nightjar #merger for @{member.username}", group=secret
    )
    services.bookmark_toggle(actor=member, post=post)
    urls = ["/", "/groups/vault/", "/tags/merger/", "/saved/", "/people/insider/posts/"]
    urls += ["/mentions/", f"/posts/{post.pk}/"]
    member_client = client_for(member)
    for url in urls:
        assert "Project Nightjar" in member_client.get(url).content.decode(), url

    membership_leave(actor=member, group=secret)
    for client in (client_for(UserFactory()), member_client):
        for url in urls:
            response = client.get(url)
            html = response.content.decode()
            assert "Nightjar" not in html and f'id="post-{post.pk}"' not in html, url
            if url in ("/groups/vault/", f"/posts/{post.pk}/"):
                assert response.status_code == 404


def _grow_everywhere(member, count: int) -> None:
    author = User.objects.get(username="prolific")
    group = GroupFactory._meta.model.objects.get(slug="guild")
    for _ in range(count):
        post = services.post_create(
            actor=author, body=f"#ifrs17 more for @{member.username}", group=group
        )
        CommentFactory(post=post)
        services.reaction_toggle(actor=UserFactory(), kind="like", post=post)
        services.bookmark_toggle(actor=member, post=post)


@pytest.mark.parametrize("page", [p for p in PAGES if p != "post"])
def test_card_pages_query_count_is_the_same_for_3_and_15_posts(page, member, tmp_path, settings):
    """New posts miss the card cache: rendering their parts must not query."""
    settings.BUZZ_RATE_POSTS_PER_MINUTE = 100  # one author writes them all
    url = _scene(member, tmp_path, settings)[page]
    client = client_for(member)
    assert_constant_query_count(lambda: client.get(url), lambda: _grow_everywhere(member, 12))
