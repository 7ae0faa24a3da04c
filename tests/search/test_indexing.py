"""The indexing path: signals write the outbox in the writer's transaction, the
drain applies it, a rebuild replaces an index with changes made meanwhile kept
for after the swap, and the commands around them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from feed.models import Post
from feed.services import post_create, post_delete
from groups.models import Visibility
from profiles.services import profile_expertise_set, tag_synonym_add
from search.models import IndexOutbox, IndexRebuild, SearchDocument
from search.services import index_rebuild, outbox_drain, outbox_drain_batch
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def _documents(kind: str) -> dict[int, SearchDocument]:
    return {doc.object_id: doc for doc in SearchDocument.objects.filter(kind=kind)}


def test_saving_a_post_writes_the_outbox_in_the_same_transaction_and_the_drain_indexes_it():
    author = UserFactory()
    post = post_create(actor=author, body="Zeppelin maintenance #airships")
    assert IndexOutbox.objects.filter(kind="post", object_id=post.pk).exists()
    outbox_drain()
    assert not IndexOutbox.objects.exists()
    document = _documents("post")[post.pk]
    assert (document.tags, document.group_id, document.author_id) == ("airships", None, author.pk)


def test_a_rolled_back_write_leaves_no_outbox_row():
    from django.db import transaction

    author = UserFactory()
    outbox_drain()
    with pytest.raises(RuntimeError), transaction.atomic():
        post_create(actor=author, body="Never happened")
        raise RuntimeError
    assert not IndexOutbox.objects.exists()


def test_deleted_posts_and_deactivated_members_leave_the_index():
    author = UserFactory()
    post = post_create(actor=author, body="Short-lived")
    outbox_drain()
    post_delete(actor=author, post=post)
    author.is_active = False
    author.save()
    outbox_drain()
    assert post.pk not in _documents("post")
    assert author.pk not in _documents("person")


def test_a_merged_spelling_is_indexed_with_the_people_who_have_the_tag():
    member = UserFactory()
    profile_expertise_set(actor=member, profile=member.profile, names=["Kubernetes"])
    from taggit.models import Tag

    tag_synonym_add(
        actor=UserFactory(is_staff=True), name="k8s", canonical=Tag.objects.get(name="Kubernetes")
    )
    outbox_drain()
    assert _documents("person")[member.pk].tags == "Kubernetes k8s"


def test_changes_during_a_rebuild_wait_and_reach_the_new_index_after_it():
    author = UserFactory()
    outbox_drain()
    IndexRebuild.objects.create(kind="post")
    post = post_create(actor=author, body="Written while the index was rebuilt")
    assert outbox_drain_batch().indexed == 0
    assert IndexOutbox.objects.filter(kind="post", object_id=post.pk).exists()
    IndexRebuild.objects.all().delete()
    outbox_drain()
    assert post.pk in _documents("post")


def test_rebuild_indexes_rows_that_bypassed_signals_and_drops_stale_documents():
    author = UserFactory()
    group = GroupFactory(visibility=Visibility.OPEN)
    Post.objects.bulk_create(
        Post(author=author, group=group, body=f"Bulk post {n}", body_html="") for n in range(7)
    )
    SearchDocument.objects.create(kind="post", object_id=999_999, title="gone")
    assert index_rebuild("post") == 7
    assert len(_documents("post")) == 7
    assert not IndexRebuild.objects.exists()


def test_search_reindex_shows_progress_and_reports_counts():
    UserFactory.create_batch(3)
    out, err = StringIO(), StringIO()
    call_command("search_reindex", "--kind", "person", stdout=out, stderr=err)
    assert "person: 3 documents in the database index" in out.getvalue()
    assert "3/3" in err.getvalue()  # the progress bar


def test_search_reindex_refuses_bad_input():
    with pytest.raises(CommandError):
        call_command("search_reindex", "--kind", "secrets")
    with pytest.raises(CommandError):
        call_command("search_reindex", "--batch-size", "0")


def test_search_drain_once_applies_what_is_pending():
    post = post_create(actor=UserFactory(), body="Pending")
    out = StringIO()
    call_command("search_drain", stdout=out)
    assert "indexed" in out.getvalue()
    assert post.pk in _documents("post")
