"""seed_demo builds a believable organisation, the same one for the same seed."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction

from cms.models import ShareableItemPage
from community.seeding import DEMO_ADMIN, DEMO_MEMBER, seed_demo
from feed.models import Comment, Post
from groups.models import Group, Membership, Visibility
from profiles.models import Profile, User

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "people": list(Profile.objects.order_by("pk").values_list("display_name", "job_title")),
        "groups": list(Group.objects.order_by("pk").values_list("name", "visibility")),
        "members": Membership.objects.count(),
        "posts": list(Post.objects.order_by("pk").values_list("body", flat=True)),
        "comments": Comment.objects.count(),
        "expertise": list(
            Profile.objects.order_by("pk").values_list("display_name", "expertise__name")
        ),
    }


def seeded(seed: int) -> dict:
    with transaction.atomic():
        seed_demo(people=30, seed=seed)
        taken = snapshot()
        transaction.set_rollback(True)
    return taken


def test_same_seed_gives_the_same_organisation():
    assert seeded(7) == seeded(7)


def test_another_seed_gives_other_people():
    assert seeded(7)["people"] != seeded(8)["people"]


def test_demo_organisation_has_everything_a_visitor_expects():
    summary = seed_demo(people=40, seed=1)
    assert summary.people == User.objects.count() == 42  # plus the demo admin and member
    assert summary.departments == 12
    assert set(Group.objects.values_list("visibility", flat=True)) == set(Visibility)
    assert summary.posts == Post.objects.count() == 120
    assert Comment.objects.exists()
    assert ShareableItemPage.objects.live().count() == summary.hub_items > 0
    assert Profile.objects.filter(expertise__isnull=False).distinct().count() == 42
    assert Profile.objects.filter(manager__isnull=False).exists()
    member = User.objects.get(username=DEMO_MEMBER[0])
    assert Membership.objects.filter(user=member).exists(), "the demo member's feed is not empty"
    assert not Membership.objects.filter(
        user=member, group__visibility=Visibility.SECRET
    ).exists(), "the demo member shows what a secret group hides"


def test_demo_logins_work():
    seed_demo(people=0, seed=1)
    admin = authenticate(username=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
    assert admin is not None and admin.is_superuser and admin.profile.is_community_manager
    assert authenticate(username=DEMO_MEMBER[0], password=DEMO_MEMBER[1]) is not None


def test_command_prints_the_demo_logins_and_refuses_a_database_with_members():
    out = StringIO()
    call_command("seed_demo", "--people", "5", "--seed", "3", stdout=out, stderr=StringIO())
    assert "Demo organisation created: 7 people" in out.getvalue()
    assert f"username {DEMO_MEMBER[0]!r}, password {DEMO_MEMBER[1]!r}" in out.getvalue()
    with pytest.raises(CommandError, match="already has members"):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())


def test_if_empty_leaves_an_existing_database_alone():
    User.objects.create_user(username="existing", email="e@buzz.example", password="x")
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out, stderr=StringIO())
    assert "no demo data added" in out.getvalue()
    assert User.objects.count() == 1


def test_negative_people_is_refused():
    with pytest.raises(CommandError, match="--people must be 0 or more"):
        call_command("seed_demo", "--people", "-1", stdout=StringIO(), stderr=StringIO())
