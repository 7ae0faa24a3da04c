"""/ws/: one socket per tab, session-authenticated, origin-checked; events go only
to sockets that may see them, after commit, and missed ones are replayed."""

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import transaction

from feed import services
from feed.consumers import CLOSE_UNAUTHENTICATED
from feed.models import LiveEvent
from feed.realtime import live_event_publish
from groups import services as group_services
from groups.models import Role, Visibility
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


async def make_user():
    return await db(UserFactory)()


async def connected(ws_connect, user):
    socket, ok, _ = await ws_connect(user)
    assert ok
    assert (await socket.receive_json_from(timeout=2))["type"] == "hello"
    return socket


async def test_logged_in_member_connects_and_is_greeted(ws_connect):
    user = await make_user()
    socket = await connected(ws_connect, user)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}


async def test_anonymous_socket_is_closed_as_unauthenticated(ws_connect):
    communicator, connected_, _ = await ws_connect(None)
    assert connected_  # accepted, so the browser sees our close code and stops retrying
    closed = await communicator.receive_output(timeout=2)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == CLOSE_UNAUTHENTICATED


async def test_socket_from_a_foreign_origin_is_refused(ws_connect):
    user = await make_user()
    _communicator, connected_, _ = await ws_connect(user, origin="https://evil.example")
    assert not connected_


async def test_personal_event_reaches_only_its_member_after_commit(ws_connect):
    ann, bob = await make_user(), await make_user()
    ann_socket, bob_socket = await connected(ws_connect, ann), await connected(ws_connect, bob)

    @sync_to_async
    def write():
        with transaction.atomic():
            return live_event_publish(type="test.event", recipient_id=ann.pk, payload={"n": 1})

    event = await write()
    assert await ann_socket.receive_json_from(timeout=2) == {
        "id": event.pk,
        "type": "test.event",
        "n": 1,
    }
    assert await bob_socket.receive_nothing(timeout=0.3)


async def test_nothing_is_pushed_or_stored_for_a_write_that_rolled_back(ws_connect):
    ann = await make_user()
    socket = await connected(ws_connect, ann)

    @sync_to_async
    def failed_write():
        try:
            with transaction.atomic():
                live_event_publish(type="test.event", recipient_id=ann.pk, payload={})
                raise RuntimeError("constraint violated")
        except RuntimeError:
            pass

    await failed_write()
    assert await socket.receive_nothing(timeout=0.5)
    assert not await db(LiveEvent.objects.exists)()


async def test_secret_group_post_reaches_members_only(ws_connect):
    group = await db(GroupFactory)(visibility=Visibility.SECRET)
    insider = (await db(MembershipFactory)(group=group)).user
    outsider = await make_user()
    inside, outside = await connected(ws_connect, insider), await connected(ws_connect, outsider)
    post = await db(services.post_create)(actor=insider, body="our plan", group=group)
    event = await inside.receive_json_from(timeout=2)
    assert (event["type"], event["post"], event["group"]) == ("post.created", post.pk, group.pk)
    assert await outside.receive_nothing(timeout=0.3)


async def test_company_wide_post_reaches_everyone(ws_connect):
    ann, bob = await make_user(), await make_user()
    bob_socket = await connected(ws_connect, bob)
    await db(services.post_create)(actor=ann, body="Lunch at 12")
    assert (await bob_socket.receive_json_from(timeout=2))["type"] == "post.created"


async def test_removal_from_a_group_ends_delivery_at_once(ws_connect):
    group = await db(GroupFactory)(visibility=Visibility.CLOSED)
    owner = (await db(MembershipFactory)(group=group, role=Role.OWNER)).user
    membership = await db(MembershipFactory)(group=group)
    socket = await connected(ws_connect, membership.user)
    await db(services.post_create)(actor=owner, body="before", group=group)
    assert (await socket.receive_json_from(timeout=2))["type"] == "post.created"
    await db(group_services.membership_remove)(actor=owner, membership=membership)
    assert (await socket.receive_json_from(timeout=2))["type"] == "membership.changed"
    await db(services.post_create)(actor=owner, body="after", group=group)
    assert await socket.receive_nothing(timeout=0.5)


async def test_joining_a_group_starts_delivery_without_reconnecting(ws_connect):
    group = await db(GroupFactory)(visibility=Visibility.OPEN)
    owner = (await db(MembershipFactory)(group=group, role=Role.OWNER)).user
    joiner = await make_user()
    socket = await connected(ws_connect, joiner)
    await db(group_services.group_join)(actor=joiner, group=group)
    assert (await socket.receive_json_from(timeout=2))["type"] == "membership.changed"
    await db(services.post_create)(actor=owner, body="welcome", group=group)
    assert (await socket.receive_json_from(timeout=2))["type"] == "post.created"


async def test_watching_a_post_brings_its_comments_and_reactions(ws_connect):
    post = await db(PostFactory)(group=await db(GroupFactory)(visibility=Visibility.OPEN))
    reader, commenter = await make_user(), await make_user()
    socket = await connected(ws_connect, reader)
    await socket.send_json_to({"type": "watch", "post": post.pk})
    await asyncio.sleep(0.1)
    comment = await db(services.comment_create)(actor=commenter, post=post, body="+1")
    event = await socket.receive_json_from(timeout=2)
    assert (event["type"], event["comment"], event["comment_count"]) == (
        "comment.created",
        comment.pk,
        1,
    )
    await db(services.reaction_toggle)(actor=commenter, kind="like", post=post)
    event = await socket.receive_json_from(timeout=2)
    assert (event["type"], event["counts"]) == ("reaction.changed", {"like": 1})


async def test_watching_a_post_one_may_not_read_is_ignored(ws_connect):
    insider = (await db(MembershipFactory)(group__visibility=Visibility.SECRET)).user
    group = await db(lambda: insider.memberships.get().group)()
    post = await db(PostFactory)(group=group, author=insider)
    socket = await connected(ws_connect, await make_user())
    await socket.send_json_to({"type": "watch", "post": post.pk})
    await asyncio.sleep(0.1)
    await db(services.comment_create)(actor=insider, post=post, body="x")
    assert await socket.receive_nothing(timeout=0.5)


async def test_reconnecting_client_gets_exactly_the_missed_events_in_order(ws_connect):
    group = await db(GroupFactory)(visibility=Visibility.CLOSED)
    member = (await db(MembershipFactory)(group=group)).user
    author = (await db(MembershipFactory)(group=group)).user
    secret = await db(GroupFactory)(visibility=Visibility.SECRET)
    socket = await connected(ws_connect, member)
    first = await db(services.post_create)(actor=author, body="seen", group=group)
    last_seen = (await socket.receive_json_from(timeout=2))["id"]
    await socket.disconnect()

    missed = []
    for n in range(5):
        await db(services.post_create)(actor=author, body=f"missed {n}", group=group)
        missed.append(await db(LiveEvent.objects.latest)("id"))
        await db(services.post_create)(
            actor=(await db(MembershipFactory)(group=secret)).user, body="not yours", group=secret
        )
    socket = await connected(ws_connect, member)
    await socket.send_json_to({"type": "resume", "after": last_seen})
    replayed = [await socket.receive_json_from(timeout=2) for _ in range(5)]
    assert [event["id"] for event in replayed] == [event.pk for event in missed]
    assert await socket.receive_nothing(timeout=0.3)  # exactly N: no extra, no duplicate
    assert first.pk not in [event["post"] for event in replayed]


async def test_too_many_missed_events_ask_the_page_to_reload(ws_connect, settings):
    from feed import selectors

    member = await make_user()
    socket = await connected(ws_connect, member)
    original = selectors.CATCH_UP_LIMIT
    selectors.CATCH_UP_LIMIT = 2
    try:
        for _ in range(3):
            await db(services.post_create)(actor=await make_user(), body="busy day")
        for _ in range(3):
            await socket.receive_json_from(timeout=2)
        await socket.send_json_to({"type": "resume", "after": 0})
        assert await socket.receive_json_from(timeout=2) == {"type": "resync"}
    finally:
        selectors.CATCH_UP_LIMIT = original


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs real Redis (the PG/Redis leg)")
async def test_idle_socket_survives_longer_than_redis_socket_timeout(ws_connect):
    """redis-py 8's 5 s default socket_timeout would kill idle sockets (STACK-NOTES trap 1)."""
    ann = await make_user()
    socket = await connected(ws_connect, ann)
    await asyncio.sleep(6.5)

    @sync_to_async
    def write():
        with transaction.atomic():
            live_event_publish(type="test.event", recipient_id=ann.pk, payload={})

    await write()
    assert (await socket.receive_json_from(timeout=3))["type"] == "test.event"


async def test_unread_notification_counter_updates_live(ws_connect):
    author = await make_user()
    post = await db(PostFactory)(author=author, group=None)
    socket = await connected(ws_connect, author)
    await db(services.comment_create)(actor=await make_user(), post=post, body="great")
    events = [await socket.receive_json_from(timeout=2) for _ in range(2)]
    counter = next(event for event in events if event["type"] == "notification.created")
    assert (counter["unread"], counter["kind"]) == (1, "comment")
    await db(services.notifications_mark_read)(actor=author)
    assert (await socket.receive_json_from(timeout=2))["unread"] == 0


async def test_reads_arrive_in_batches_and_count_once_a_day_for_readable_posts(ws_connect):
    from metrics.models import ParticipationEvent

    reader = await make_user()
    visible = await db(PostFactory)(group=None)
    secret = await db(PostFactory)(group=await db(GroupFactory)(visibility=Visibility.SECRET))
    socket = await connected(ws_connect, reader)
    batch = {"type": "read", "posts": [visible.pk, secret.pk, visible.pk, "x"]}
    await socket.send_json_to(batch)
    await socket.send_json_to(batch)  # the same posts again: still one read each
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}  # batches handled

    reads = await db(
        lambda: list(
            ParticipationEvent.objects.filter(kind="read", actor=reader).values_list(
                "object_id", flat=True
            )
        )
    )()
    assert reads == [visible.pk]


async def test_presence_follows_open_sockets_and_expires_for_dead_tabs(ws_connect, monkeypatch):
    from feed.selectors import online_user_ids

    monkeypatch.setattr(services, "PRESENCE_TTL_SECONDS", 1)
    ann, bob = await make_user(), await make_user()
    await connected(ws_connect, ann)
    assert await db(online_user_ids)([ann.pk, bob.pk]) == {ann.pk}
    await asyncio.sleep(1.3)  # the tab died without a word: no ping refreshed it
    assert await db(online_user_ids)([ann.pk]) == set()
