"""A member who earns a badge is told in Buzz, through feed.services.notify:
once per badge however often the engine runs, as their badge preference says
(off: nothing; email: a mail too), and only for awards that were committed:
the live push and the mail go after commit, a rolled-back award tells nobody."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone, translation

from feed import realtime
from feed import services as feed_services
from feed.models import DeliveryChoice, LiveEvent, Notification, NotificationKind
from feed.selectors import notification_text, notification_url
from feed.services import notification_preferences_set
from metrics.gamification.services import (
    badges_award,
    contributions_recompute,
    points_refresh,
)
from metrics.models import Badge, BadgeAward, EventKind, ParticipationEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Live events as they leave after commit: (type, payload) of each."""
    out: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        realtime, "_send", lambda event, *args, **kwargs: out.append((event.type, event.payload))
    )
    return out


def _posts(user, count: int) -> None:
    ParticipationEvent.objects.bulk_create(
        ParticipationEvent(actor=user, kind=EventKind.POST) for _ in range(count)
    )


def _refresh() -> int:
    today = timezone.localdate()
    return points_refresh(first=today - dt.timedelta(days=1), last=today).awards


def _badge_notifications(user=None):
    found = Notification.objects.filter(kind=NotificationKind.BADGE)
    return found.filter(recipient=user) if user is not None else found


def test_earning_a_badge_tells_the_member_once_after_commit(
    sent, django_capture_on_commit_callbacks
):
    ann, bob = UserFactory(username="ann"), UserFactory()
    _posts(ann, 1)  # "first-post": at least one post
    with django_capture_on_commit_callbacks() as callbacks:
        assert _refresh() == 1
    (told,) = _badge_notifications()
    assert told.recipient == ann and told.actor is None and told.actor_ids == []
    with translation.override("en"):
        assert notification_text(told) == "You earned a badge: 📝 First post"
    assert notification_url(told) == "/people/ann/#badges"
    assert not _badge_notifications(bob).exists()
    # Pushed only once the award committed.
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [("notification.created", {"unread": 1, "kind": "badge"})]


def test_running_the_engine_again_never_tells_twice(sent, django_capture_on_commit_callbacks):
    ann = UserFactory()
    _posts(ann, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert _refresh() == 1
        Notification.objects.filter(recipient=ann).update(read_at=timezone.now())
        assert _refresh() == 0
        assert badges_award() == 0
        _posts(ann, 3)  # more of the same kind: no badge crossed, nothing told
        assert _refresh() == 0
    assert _badge_notifications(ann).count() == 1
    assert [kind for kind, _payload in sent if kind == "notification.created"] == [
        "notification.created"
    ]


def test_each_badge_is_told_once(django_capture_on_commit_callbacks):
    bob = UserFactory()
    ParticipationEvent.objects.bulk_create(
        ParticipationEvent(actor=bob, kind=EventKind.ACCEPTED_ANSWER, object_id=n)
        for n in range(10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _refresh() == 2  # problem-solver (1) and helpful (10)
        assert _refresh() == 0
    assert sorted(_badge_notifications(bob).values_list("text", flat=True)) == sorted(
        str(award.badge) for award in BadgeAward.objects.filter(user=bob)
    )


def test_a_member_who_turned_badges_off_gets_the_badge_but_no_notification(sent):
    ann = UserFactory()
    notification_preferences_set(actor=ann, choices={"badge": DeliveryChoice.OFF})
    _posts(ann, 1)
    assert _refresh() == 1
    assert BadgeAward.objects.filter(user=ann).exists()
    assert not Notification.objects.filter(recipient=ann).exists()
    assert not LiveEvent.objects.filter(recipient_id=ann.pk).exists()


def test_a_member_who_chose_email_gets_one_mail_after_commit(
    django_capture_on_commit_callbacks,
):
    ann = UserFactory()
    notification_preferences_set(actor=ann, choices={"badge": DeliveryChoice.EMAIL})
    _posts(ann, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert _refresh() == 1
        assert mail.outbox == []  # not before commit
    assert [message.to for message in mail.outbox] == [[ann.email]]
    assert "You earned a badge" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert _refresh() == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_award_tells_nobody_and_the_next_run_tells_once(
    sent, django_capture_on_commit_callbacks
):
    ann = UserFactory()
    _posts(ann, 1)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert _refresh() == 1
        raise RuntimeError("the job failed after awarding")
    assert callbacks == []
    assert sent == []
    assert not BadgeAward.objects.exists()
    assert not Notification.objects.exists()
    assert not LiveEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _refresh() == 1
    assert _badge_notifications(ann).count() == 1
    assert len(sent) == 1


def test_a_deactivated_member_is_neither_awarded_nor_told():
    gone = UserFactory(is_active=False)
    _posts(gone, 1)
    assert _refresh() == 0
    assert not Notification.objects.exists()


def test_the_badge_notification_shows_on_the_page_and_in_the_api(member, member_client):
    _posts(member, 1)
    assert _refresh() == 1
    with translation.override("en"):
        page = member_client.get("/notifications/", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "You earned a badge" in page.content.decode()
    (item,) = member_client.get("/api/v1/notifications").json()["items"]
    assert item["kind"] == "badge" and item["actor"] is None
    assert item["url"] == f"/people/{member.username}/#badges"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_award_and_tell_once(monkeypatch):
    """The second run waits for the first's lock on the badge, then sees its award.
    Its own badge: a flush by an earlier transactional test removes the seeded ones."""
    Badge.objects.update(is_active=False)
    Badge.objects.create(slug="at-once", name="At once", kind=EventKind.POST, threshold=1)
    ann = UserFactory()
    _posts(ann, 1)
    today = timezone.localdate()
    contributions_recompute(first=today, last=today)
    original = feed_services.notify
    first_notifying, release = threading.Event(), threading.Event()

    def held_notify(**kwargs):
        if not first_notifying.is_set():
            first_notifying.set()
            release.wait(30)  # keep the first run's transaction open
        return original(**kwargs)

    monkeypatch.setattr(feed_services, "notify", held_notify)
    results: list[int] = []

    def run() -> None:
        try:
            results.append(badges_award(users=[ann.pk]))
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    assert first_notifying.wait(30)
    second = threading.Thread(target=run)
    second.start()
    try:
        # Proceed once the second run is blocked on the badge's row lock.
        with connection.cursor() as cursor:
            for _ in range(300):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.1)
            else:
                pytest.fail("the second run never waited for the first")
    finally:
        release.set()
        first.join(30)
        second.join(30)
    assert sorted(results) == [0, 1]
    assert BadgeAward.objects.filter(user=ann).count() == 1
    assert _badge_notifications(ann).count() == 1
