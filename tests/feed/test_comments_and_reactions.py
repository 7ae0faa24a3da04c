"""Comments (one level of replies), reactions (one kind per member), answers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from feed import services
from feed.models import Reaction
from groups.models import Role, Visibility
from metrics.models import ParticipationEvent
from tests.factories import GroupFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(group=GroupFactory(visibility=Visibility.OPEN), is_question=True)


def test_reply_to_a_reply_joins_the_first_level_thread(post):
    ann, bob = UserFactory(), UserFactory()
    top = services.comment_create(actor=ann, post=post, body="top")
    reply = services.comment_create(actor=bob, post=post, body="reply", parent=top)
    deeper = services.comment_create(actor=ann, post=post, body="deeper", parent=reply)
    assert (reply.parent, deeper.parent) == (top, top)


def test_reply_must_be_to_a_comment_on_the_same_post(post):
    elsewhere = services.comment_create(actor=UserFactory(), post=PostFactory(), body="x")
    with pytest.raises(ValidationError):
        services.comment_create(actor=UserFactory(), post=post, body="y", parent=elsewhere)


def test_nobody_comments_on_a_post_they_cannot_read():
    secret_post = PostFactory(group=GroupFactory(visibility=Visibility.SECRET))
    with pytest.raises(Http404):
        services.comment_create(actor=UserFactory(), post=secret_post, body="hi")


def test_reaction_toggles_and_switches_kind(post):
    reader = UserFactory()
    services.reaction_toggle(actor=reader, kind="like", post=post)
    services.reaction_toggle(actor=reader, kind="celebrate", post=post)
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["celebrate"]
    assert services.reaction_toggle(actor=reader, kind="celebrate", post=post) is None
    assert not Reaction.objects.exists()
    # Switching kind or taking it back is not a new act of participation.
    assert ParticipationEvent.objects.filter(kind="react").count() == 1


def test_reactions_on_comments_are_separate_from_the_post(post):
    reader = UserFactory()
    comment = services.comment_create(actor=UserFactory(), post=post, body="good point")
    services.reaction_toggle(actor=reader, kind="like", post=post)
    services.reaction_toggle(actor=reader, kind="insightful", comment=comment)
    assert Reaction.objects.count() == 2


def test_unknown_reaction_is_refused(post):
    with pytest.raises(ValidationError):
        services.reaction_toggle(actor=UserFactory(), kind="angry", post=post)


def test_asker_accepts_an_answer_and_the_answerer_gets_the_evidence(post):
    expert = UserFactory()
    answer = services.comment_create(actor=expert, post=post, body="Use a PodDisruptionBudget")
    services.answer_accept(actor=post.author, post=post, comment=answer)
    post.refresh_from_db()
    assert post.accepted_comment == answer
    assert ParticipationEvent.objects.filter(kind="accepted_answer", actor=expert).exists()


def test_group_admin_may_accept_but_other_members_may_not(post):
    answer = services.comment_create(actor=UserFactory(), post=post, body="42")
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=UserFactory(), post=post, comment=answer)
    admin = MembershipFactory(group=post.group, role=Role.ADMIN).user
    services.answer_accept(actor=admin, post=post, comment=answer)


def test_only_questions_have_answers():
    plain = PostFactory(is_question=False)
    comment = services.comment_create(actor=UserFactory(), post=plain, body="x")
    with pytest.raises(ValidationError):
        services.answer_accept(actor=plain.author, post=plain, comment=comment)


def test_deleting_the_accepted_answer_unmarks_it(post):
    answer = services.comment_create(actor=UserFactory(), post=post, body="42")
    services.answer_accept(actor=post.author, post=post, comment=answer)
    services.comment_delete(actor=answer.author, comment=answer)
    post.refresh_from_db()
    assert post.accepted_comment is None


def test_tagged_posts_and_accepted_answers_become_evidence_of_expertise():
    from profiles.models import ExpertiseEvidence

    asker, expert = UserFactory(), UserFactory()
    question = services.post_create(
        actor=asker, body="How do we size #kubernetes nodes?", is_question=True
    )
    # Asking about a topic is no evidence of knowing it.
    assert not ExpertiseEvidence.objects.exists()
    answer = services.comment_create(actor=expert, post=question, body="Measure first")
    services.answer_accept(actor=asker, post=question, comment=answer)
    assert ExpertiseEvidence.objects.filter(
        user=expert, tag__name="kubernetes", kind="accepted_answer", object_id=answer.pk
    ).exists()
    services.answer_accept(actor=asker, post=question, comment=None)  # unmarked
    assert not ExpertiseEvidence.objects.filter(kind="accepted_answer").exists()
    tip = services.post_create(actor=expert, body="Size #kubernetes nodes by memory")
    assert list(ExpertiseEvidence.objects.values_list("user", "tag__name", "kind")) == [
        (expert.pk, "kubernetes", "post_tagged")
    ]
    services.post_update(actor=expert, post=tip, body="Size nodes by memory")
    assert not ExpertiseEvidence.objects.exists()
