"""Pins, bookmarks and polls."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from feed import services
from feed.models import PollVote
from groups.models import Role, Visibility
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def test_group_admins_pin_and_pinned_posts_lead_the_group_page(member, member_client):
    group = GroupFactory(slug="guild")
    MembershipFactory(group=group, user=member)
    admin = MembershipFactory(group=group, role=Role.ADMIN).user
    old = PostFactory(
        group=group, body="Read me first", created_at=timezone.now() - dt.timedelta(days=30)
    )
    PostFactory(group=group, body="Newer chatter")
    with pytest.raises(PermissionDenied):
        services.post_pin(actor=member, post=old)
    services.post_pin(actor=admin, post=old)
    html = member_client.get("/groups/guild/").content.decode()
    assert html.index("Read me first") < html.index("Newer chatter")
    assert html.count("Read me first") == 1  # pinned, not repeated in the stream


def test_company_wide_posts_cannot_be_pinned():
    post = PostFactory(group=None)
    with pytest.raises(PermissionDenied):
        services.post_pin(actor=post.author, post=post)


def test_bookmarks_toggle_and_vanish_when_access_ends(member, member_client):
    group = GroupFactory(visibility=Visibility.CLOSED)
    membership = MembershipFactory(group=group, user=member)
    post = PostFactory(group=group, body="Quarterly plan")
    assert services.bookmark_toggle(actor=member, post=post) is True
    assert "Quarterly plan" in member_client.get("/saved/").content.decode()
    membership.delete()
    assert "Quarterly plan" not in member_client.get("/saved/").content.decode()
    with pytest.raises(Http404):
        services.bookmark_toggle(actor=member, post=post)


def test_unsaving_removes_the_bookmark(member):
    post = PostFactory(group=None)
    services.bookmark_toggle(actor=member, post=post)
    assert services.bookmark_toggle(actor=member, post=post) is False


def test_saved_page_query_count_is_constant(member, member_client):
    def save(count):
        for _ in range(count):
            services.bookmark_toggle(actor=member, post=PostFactory(group=None))

    save(3)
    assert_constant_query_count(lambda: member_client.get("/saved/"), lambda: save(12))


def poll_post(author, *, multiple=False, closes_at=None):
    post = PostFactory(author=author, group=None)
    poll = services.poll_create(
        actor=author,
        post=post,
        options=["Tuesday", "Thursday", "Friday"],
        allows_multiple=multiple,
        closes_at=closes_at,
    )
    return post, poll


def test_single_choice_poll_takes_one_answer_and_revoting_replaces_it(member):
    _post, poll = poll_post(UserFactory())
    tuesday, thursday, _friday = poll.options.all()
    with pytest.raises(ValidationError, match="one answer"):
        services.poll_vote(actor=member, poll=poll, option_ids=[tuesday.pk, thursday.pk])
    services.poll_vote(actor=member, poll=poll, option_ids=[tuesday.pk])
    services.poll_vote(actor=member, poll=poll, option_ids=[thursday.pk])
    assert list(PollVote.objects.values_list("option__label", flat=True)) == ["Thursday"]


def test_multiple_choice_poll_and_results_on_the_page(member, member_client):
    post, poll = poll_post(UserFactory(), multiple=True)
    tuesday, thursday, _friday = poll.options.all()
    member_client.post(f"/posts/{post.pk}/vote/", {"option": [tuesday.pk, thursday.pk]})
    assert PollVote.objects.filter(user=member).count() == 2
    html = member_client.get(f"/posts/{post.pk}/").content.decode()
    assert "<meter" in html and "Tuesday ✓" in html


def test_closed_poll_takes_no_votes(member):
    _post, poll = poll_post(UserFactory(), closes_at=timezone.now() + dt.timedelta(minutes=5))
    poll.closes_at = timezone.now() - dt.timedelta(minutes=1)
    poll.save()
    with pytest.raises(ValidationError, match="closed"):
        services.poll_vote(actor=member, poll=poll, option_ids=[poll.options.first().pk])


@pytest.mark.parametrize(
    ("options", "message"),
    [(["Only one"], "between 2 and 10"), (["Same", "same"], "different"), (["x"] * 11, "10")],
)
def test_poll_options_are_checked(options, message):
    author = UserFactory()
    post = PostFactory(author=author, group=None)
    with pytest.raises(ValidationError, match=message):
        services.poll_create(actor=author, post=post, options=options)


def test_poll_in_a_secret_group_takes_no_outsider_votes(member):
    group = GroupFactory(visibility=Visibility.SECRET)
    insider = MembershipFactory(group=group).user
    post = PostFactory(author=insider, group=group)
    poll = services.poll_create(actor=insider, post=post, options=["A", "B"])
    with pytest.raises(Http404):
        services.poll_vote(actor=member, poll=poll, option_ids=[poll.options.first().pk])


def test_composer_creates_a_poll_with_the_post(member_client):
    response = member_client.post(
        "/posts/new/", {"body": "Team lunch?", "poll_options": "Pizza\nSushi\n\n"}, follow=True
    )
    assert "Pizza" in response.content.decode() and "Sushi" in response.content.decode()
