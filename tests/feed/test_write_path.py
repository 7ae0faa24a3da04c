"""The write path of a post stays cheap: hashtags, the mention, its notification,
expertise evidence, events and the outbox in a fixed number of queries, with
taggit's and the synonyms' rules unchanged and every side effect on commit."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from taggit.models import Tag

from feed import realtime, services
from feed.models import LiveEvent, Mention, Notification, Post
from groups.models import Visibility
from metrics.models import EventKind, ParticipationEvent
from profiles.models import ExpertiseEvidence, TagSynonym
from profiles.selectors import tag_key, tags_find
from search.models import IndexOutbox
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

# One post with a mention and three hashtags (issue 11, B5), inside the test's
# transaction: SAVEPOINT, membership, mentioned user, post, outbox, tags, tagged
# items, synonyms, evidence, its author marked for an expertise recount, mention,
# the author's profile, events (one INSERT),
# the recipient with preference/mute/counts, may they see it, notification, two
# live events, webhooks, RELEASE. It was 29 before the write path was trimmed.
POST_WITH_MENTION_QUERIES = 20

TAGS = ["python", "rust", "kotlin", "golang", "elixir", "haskell"]


@pytest.fixture
def author():
    user = UserFactory()
    MembershipFactory(group=GroupFactory(slug="dev"), user=user)
    for name in TAGS:
        Tag.objects.create(name=name)
    return user


def _post(author, tags):
    group = author.memberships.get().group
    body = "News " + " ".join(f"#{tag}" for tag in tags)
    return services.post_publish(actor=author, body=body, group=group)


def test_post_query_count_does_not_grow_with_its_hashtags(author):
    _post(author, ["python"])  # warm content types and other per-process caches
    one, _sql = count_queries(lambda: _post(author, ["python"]))
    six, six_sql = count_queries(lambda: _post(author, TAGS))
    assert six == one, "\n".join(six_sql)


def test_new_post_reuses_an_existing_tag_in_any_case_and_creates_new_ones(author):
    Tag.objects.create(name="Django")
    post = _post(author, ["django", "brandnew"])
    assert sorted(post.hashtags.names()) == ["Django", "brandnew"]
    assert Tag.objects.filter(name__iexact="django").count() == 1


def test_new_post_records_evidence_for_every_hashtag_through_synonyms(author):
    golang = Tag.objects.get(name="golang")
    TagSynonym.objects.create(key=tag_key("go"), tag=golang)
    post = _post(author, ["go", "python"])
    evidence = ExpertiseEvidence.objects.filter(object_id=post.pk, kind="post_tagged")
    assert sorted(evidence.values_list("tag__name", flat=True)) == ["golang", "python"]
    assert set(evidence.values_list("user_id", flat=True)) == {author.pk}


def test_question_hashtags_are_not_evidence(author):
    group = author.memberships.get().group
    post = services.post_publish(
        actor=author, body="Who knows #rust?", group=group, is_question=True
    )
    assert sorted(post.hashtags.names()) == ["rust"]
    assert not ExpertiseEvidence.objects.filter(object_id=post.pk).exists()


def test_tags_find_prefers_a_synonym_then_the_oldest_tag_of_any_case():
    old = Tag.objects.create(name="Kubernetes")
    Tag.objects.create(name="kubernetes ", slug="kubernetes-2")  # a later spelling
    target = Tag.objects.create(name="machine learning")
    TagSynonym.objects.create(key=tag_key("ML"), tag=target)
    found = tags_find(["KUBERNETES", "ml", "unknown"])
    assert found == {tag_key("kubernetes"): old, tag_key("ml"): target}


@pytest.fixture
def sends(monkeypatch):
    """What the publisher sends after commit, as (target, message type) pairs."""
    sent: list[tuple[str, str]] = []

    def record(layer, items) -> None:
        sent.extend((target, message["type"]) for target, message, _failure in items)

    monkeypatch.setattr(realtime, "_run_sends", record)
    return sent


def _mention_post(author, body="Thanks @ann! #python #rust #kotlin", group=None):
    group = group or author.memberships.get().group
    return services.post_publish(actor=author, body=body, group=group)


def test_post_with_a_mention_and_hashtags_costs_a_fixed_number_of_queries(author):
    group = author.memberships.get().group
    MembershipFactory(group=group, user=UserFactory(username="ann"))
    _mention_post(author)  # warm content types and other per-process caches
    author = get_user_model().objects.get(pk=author.pk)  # as a request loads it
    count, sql = count_queries(lambda: _mention_post(author, group=group))
    assert count == POST_WITH_MENTION_QUERIES, "\n".join(sql)


def test_post_side_effects_are_written_with_it_and_sent_only_after_commit(
    author, sends, django_capture_on_commit_callbacks
):
    ann = UserFactory(username="ann")
    MembershipFactory(group=author.memberships.get().group, user=ann)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = _mention_post(author)
    # In the post's transaction: the outbox row, the stored events, the mention.
    assert IndexOutbox.objects.filter(kind="post", object_id=post.pk).exists()
    assert Mention.objects.filter(post=post, user=ann).exists()
    assert sorted(
        ParticipationEvent.objects.filter(object_id=post.pk).values_list("kind", flat=True)
    ) == [EventKind.MENTION, EventKind.POST]
    assert set(LiveEvent.objects.values_list("type", flat=True)) == {
        "post.created",
        "notification.created",
    }
    assert sends == []  # nothing pushed before commit
    for callback in callbacks:
        callback()
    group_id = post.group_id
    assert (f"grp.{group_id}", "live.event") in sends
    assert (f"user.{ann.pk}", "live.event") in sends
    assert ("display", "display.nudge") in sends  # an open group is on the hub wall


def test_rolled_back_post_leaves_nothing_and_pushes_nothing(
    author, sends, django_capture_on_commit_callbacks
):
    MembershipFactory(group=author.memberships.get().group, user=UserFactory(username="ann"))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _mention_post(author)
        raise RuntimeError("the request failed after the post")
    assert callbacks == [] and sends == []
    assert not Post.objects.exists()
    assert not IndexOutbox.objects.filter(kind="post").exists()
    assert not LiveEvent.objects.exists() and not Notification.objects.exists()
    assert not ParticipationEvent.objects.exists()


def test_publishing_a_new_post_needs_no_query_after_commit(
    author, sends, django_capture_on_commit_callbacks
):
    """The wall nudge is decided from the group the write already checked."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _post(author, ["python"])
    published = [c for c in callbacks if getattr(c, "__module__", "") == realtime.__name__]
    assert published
    count, sql = count_queries(lambda: [callback() for callback in published])
    assert count == 0, "\n".join(sql)
    assert ("display", "display.nudge") in sends


@pytest.mark.parametrize("visibility", [Visibility.CLOSED, Visibility.SECRET])
def test_closed_and_secret_group_posts_never_nudge_the_wall_or_reach_outsiders(
    visibility, sends, django_capture_on_commit_callbacks
):
    author, outsider = UserFactory(), UserFactory(username="ann")
    group = GroupFactory(visibility=visibility)
    MembershipFactory(group=group, user=author)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_publish(actor=author, body="Hi @ann #python", group=group)
    assert sends == [(f"grp.{group.pk}", "live.event"), (f"post.{post.pk}", "live.event")]
    assert not Notification.objects.filter(recipient=outsider).exists()


@pytest.mark.parametrize(
    ("visibility", "nudged"), [(Visibility.OPEN, True), (Visibility.SECRET, False)]
)
def test_an_event_whose_group_is_not_known_looks_the_wall_up_after_commit(
    visibility, nudged, sends, django_capture_on_commit_callbacks
):
    group = GroupFactory(visibility=visibility)
    with django_capture_on_commit_callbacks(execute=True):
        realtime.live_event_publish(type="post.deleted", group_id=group.pk, payload={})
    assert (("display", "display.nudge") in sends) is nudged


def test_mentions_match_the_username_exactly_first_then_in_any_case(author):
    ann, bob = UserFactory(username="ann"), UserFactory(username="Bob")
    UserFactory(username="gone", is_active=False)
    post = _mention_post(author, body="Thanks @Ann, @bob and @gone")
    assert sorted(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == sorted(
        [ann.pk, bob.pk]
    )
    assert "@gone</a>" not in post.body_html


def test_unread_counter_in_the_live_event_counts_the_new_notification(author):
    ann = UserFactory(username="ann")
    MembershipFactory(group=author.memberships.get().group, user=ann)
    _mention_post(author)
    _mention_post(author)
    counters = LiveEvent.objects.filter(type="notification.created", recipient_id=ann.pk)
    assert [e.payload["unread"] for e in counters.order_by("pk")] == [1, 2]
