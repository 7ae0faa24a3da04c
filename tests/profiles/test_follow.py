"""Members follow colleagues; lists and suggestions show active colleagues only."""

import pytest
from django.core.exceptions import ValidationError

from metrics.models import EventKind, ParticipationEvent
from profiles.models import Follow
from profiles.selectors import follow_suggestions_for
from profiles.services import follow_create, follow_delete, profile_expertise_set
from tests.factories import DepartmentFactory
from tests.helpers import assert_constant_query_count
from tests.profiles.factories import FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_follow_and_unfollow_with_one_event():
    ann, bob = UserFactory(), UserFactory()
    follow, created = follow_create(actor=ann, followed=bob)
    assert created and (follow.follower, follow.followed) == (ann, bob)
    _again, created_again = follow_create(actor=ann, followed=bob)
    assert not created_again
    assert Follow.objects.count() == 1
    assert ParticipationEvent.objects.filter(kind=EventKind.FOLLOW, actor=ann).count() == 1
    assert follow_delete(actor=ann, followed=bob)
    assert not follow_delete(actor=ann, followed=bob)
    assert not Follow.objects.exists()


def test_self_follow_is_refused():
    ann = UserFactory()
    with pytest.raises(ValidationError, match="cannot follow yourself"):
        follow_create(actor=ann, followed=ann)


def test_deactivated_member_cannot_be_followed():
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError, match="no longer active"):
        follow_create(actor=UserFactory(), followed=gone)


def test_follow_button_works_without_javascript(client_for):
    ann, bob = UserFactory(), UserFactory()
    client = client_for(ann)
    response = client.post(f"/people/{bob.username}/follow/")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{bob.username}/#follow"
    html = client.get(f"/people/{bob.username}/").content.decode()
    assert "1 follower" in html
    assert f"Unfollow {bob.profile.display_name}" in html
    client.post(f"/people/{bob.username}/follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()


def test_follow_redirects_to_a_safe_next_only(client_for):
    ann, bob = UserFactory(), UserFactory()
    client = client_for(ann)
    response = client.post(f"/people/{bob.username}/follow/", {"next": "/people/?q=x"})
    assert response["Location"] == "/people/?q=x"
    evil = client.post(f"/people/{bob.username}/follow/", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/people/{bob.username}/#follow"


def test_followers_and_following_lists_hide_deactivated_members(client_for):
    star, fan, gone = UserFactory(), UserFactory(), UserFactory()
    FollowFactory(follower=fan, followed=star)
    FollowFactory(follower=gone, followed=star)
    FollowFactory(follower=star, followed=fan)
    gone.is_active = False
    gone.save()
    client = client_for(fan)
    followers = client.get(f"/people/{star.username}/followers/").content.decode()
    assert fan.profile.display_name in followers
    assert gone.profile.display_name not in followers
    following = client.get(f"/people/{star.username}/following/").content.decode()
    assert fan.profile.display_name in following


def test_followers_list_query_count_is_constant(client_for):
    star = UserFactory()
    client = client_for(star)

    def add(count):
        for _ in range(count):
            FollowFactory(followed=star)

    add(3)
    url = f"/people/{star.username}/followers/"
    client.get(url)
    assert_constant_query_count(lambda: client.get(url), lambda: add(12))


def test_suggestions_rank_friends_of_friends_then_department_and_skip_self_followed_inactive():
    department = DepartmentFactory(name="Payments")
    me = UserFactory(profile__department=department)
    friend, friend_of_friend, same_department = UserFactory(), UserFactory(), UserFactory()
    same_department.profile.department = department
    same_department.profile.save()
    shares_tag = UserFactory()
    profile_expertise_set(actor=me, profile=me.profile, names=["Rust"])
    profile_expertise_set(actor=shares_tag, profile=shares_tag.profile, names=["rust"])
    UserFactory(is_active=False, profile__department=department)
    FollowFactory(follower=me, followed=friend)
    FollowFactory(follower=friend, followed=friend_of_friend)

    suggested = [p.user for p in follow_suggestions_for(me, limit=10)]
    assert suggested[:3] == [friend_of_friend, same_department, shares_tag]
    assert me not in suggested
    assert friend not in suggested
    assert all(user.is_active for user in suggested)


def test_suggestions_ranking_only_contenders_gives_the_same_order_as_ranking_everyone(
    monkeypatch,
):
    import random

    from profiles import selectors

    rng = random.Random(3)
    department = DepartmentFactory(name="Lending")
    me = UserFactory(profile__department=department)
    people = [UserFactory(profile__department=department if n % 3 else None) for n in range(18)]
    friends = people[:6]
    for friend in friends:
        FollowFactory(follower=me, followed=friend)
        for other in rng.sample(people[6:], 5):
            FollowFactory(follower=friend, followed=other)
    people[7].is_active = False
    people[7].save()

    fast = [p.user_id for p in follow_suggestions_for(me, limit=4)]
    monkeypatch.setattr(selectors, "SUGGESTION_CONTENDERS", -1)  # force ranking everyone
    everyone = [p.user_id for p in follow_suggestions_for(me, limit=4)]
    assert fast == everyone and len(fast) == 4
    assert people[7].pk not in fast
