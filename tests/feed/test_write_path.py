"""The write path of a post stays cheap: hashtags and expertise evidence in a
fixed number of queries, with taggit's and the synonyms' rules unchanged."""

import pytest
from taggit.models import Tag

from feed import services
from profiles.models import ExpertiseEvidence, TagSynonym
from profiles.selectors import tag_key, tags_find
from tests.factories import GroupFactory, MembershipFactory, UserFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

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
