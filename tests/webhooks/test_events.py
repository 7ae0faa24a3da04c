"""Which events leave Buzz, and with what: only what any member of an open group
may see. Posts in closed or secret groups, company-wide posts and writes that
roll back emit nothing."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.utils import timezone

from feed.services import post_create, post_publish
from groups.models import Visibility
from invites.services import invitation_link_create, member_signup
from tests.cms.factories import publish_item
from tests.factories import (
    DepartmentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_post_created_emit

from .conftest import make_webhook

pytestmark = pytest.mark.django_db


def member_of(group, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(group=group, user=user)
    return user


def test_a_post_in_an_open_group_reaches_the_endpoint_with_a_public_excerpt(
    receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url, events=[WebhookEvent.POST_CREATED])
    group = GroupFactory(name="Cycling club", slug="cycling", visibility=Visibility.OPEN)
    author = member_of(group)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(actor=author, group=group, body="**Ride** on Sunday & coffee after")

    (got,) = receiver.requests
    assert got.headers["X-Buzz-Event"] == "post.created"
    data = json.loads(got.body)["data"]
    assert data["post"]["id"] == post.pk
    assert data["post"]["url"].endswith(f"/posts/{post.pk}/")
    assert data["post"]["excerpt"] == "Ride on Sunday & coffee after"
    assert data["group"] == {
        "slug": "cycling",
        "name": "Cycling club",
        "url": data["group"]["url"],
    }
    assert data["author"] == {"display_name": author.profile.display_name}
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_the_composer_emits_once_per_post(receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url, events=[WebhookEvent.POST_CREATED])
    group = GroupFactory(visibility=Visibility.OPEN)
    author = member_of(group)
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(actor=author, group=group, body="Poll time", poll_options=["Yes", "No"])
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("visibility", [Visibility.SECRET, Visibility.CLOSED])
def test_a_post_in_a_closed_or_secret_group_emits_nothing(
    visibility, receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url)
    group = GroupFactory(name="Project Falcon", visibility=visibility)
    author = member_of(group)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_create(actor=author, group=group, body="The Falcon merger closes Friday")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []
    assert callbacks  # the post's own live event ran; only the webhook stayed silent


def test_company_wide_and_archived_group_posts_emit_nothing(
    receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url)
    author = UserFactory()
    archived = GroupFactory(visibility=Visibility.OPEN, archived_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        post_create(actor=author, body="Company-wide news")
        # Nobody posts in an archived group; the rule holds for any post there.
        assert webhook_post_created_emit(post=PostFactory(group=archived)) == []
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_nothing_is_emitted_when_the_write_rolls_back(receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url)
    group = GroupFactory(visibility=Visibility.OPEN)
    author = member_of(group)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        post_create(actor=author, group=group, body="Never mind")
        raise RuntimeError("the request failed after the post")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_a_member_joining_through_an_invitation_is_announced(
    receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url, events=[WebhookEvent.MEMBER_JOINED])
    inviter = UserFactory()
    _invitation, token = invitation_link_create(actor=inviter, max_uses=1)
    department = DepartmentFactory(name="Treasury")
    with django_capture_on_commit_callbacks(execute=True):
        member_signup(
            token=token,
            email="bram@buzz.example",
            first_name="Bram",
            last_name="Jansen",
            password="a-sturdy-passphrase-2026",
            department=department,
        )
    (got,) = receiver.requests
    assert got.headers["X-Buzz-Event"] == "member.joined"
    assert json.loads(got.body)["data"] == {
        "member": {"display_name": "Bram Jansen", "department": "Treasury"}
    }


def test_a_hub_item_is_announced_when_first_published_not_on_each_edit(
    receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url, events=[WebhookEvent.HUB_ITEM_PUBLISHED])
    with django_capture_on_commit_callbacks(execute=True):
        item = publish_item("We are hiring SREs")
    (got,) = receiver.requests
    assert got.headers["X-Buzz-Event"] == "hub_item.published"
    data = json.loads(got.body)["data"]["item"]
    assert (data["id"], data["title"], data["kind"]) == (item.pk, "We are hiring SREs", "vacancy")
    assert data["url"] and data["canonical_url"] == item.canonical_url

    item.title = "We are hiring SREs in Amsterdam"
    with django_capture_on_commit_callbacks(execute=True):
        item.save_revision().publish()
    assert len(receiver.requests) == 1
