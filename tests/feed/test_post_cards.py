"""Home feed cards come from cached viewer-independent parts (feed.cards): they
must show exactly what the template shows, per viewer, and never a stale part."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from feed import cards, services
from feed.selectors import feed_for_member
from groups.models import Visibility
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
