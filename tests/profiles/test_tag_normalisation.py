"""One spelling per expertise: case, spaces and admin-merged synonyms collapse."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from taggit.models import Tag, TaggedItem

from profiles.models import Endorsement, ExpertiseEvidence, Profile, TagSynonym
from profiles.selectors import tag_autocomplete_list, tag_name_normalise
from profiles.services import (
    expertise_evidence_record,
    expertise_parse,
    profile_expertise_set,
    tag_synonym_add,
    tags_merge,
    tags_resolve,
)
from tests.factories import PostFactory
from tests.profiles.factories import EndorsementFactory, UserFactory

pytestmark = pytest.mark.django_db


def _set(member, *names):
    return profile_expertise_set(actor=member, profile=member.profile, names=list(names))


def test_kubernetes_and_lowercase_with_trailing_space_are_one_tag():
    ann, bob = UserFactory(), UserFactory()
    _set(ann, "Kubernetes")
    _set(bob, "kubernetes ")
    assert Tag.objects.filter(name__iexact="kubernetes").count() == 1
    assert list(bob.profile.expertise.names()) == ["Kubernetes"]


def test_inner_whitespace_collapses_and_the_first_spelling_is_kept():
    member = UserFactory()
    tags = _set(member, "  machine    learning ", "Machine Learning", "MACHINE\tLEARNING")
    assert [t.name for t in tags] == ["machine learning"]
    assert tag_name_normalise("  Dutch\u00a0 tax   law ") == "Dutch tax law"


def test_form_input_splits_on_commas_only():
    assert expertise_parse("Kubernetes, machine learning ,, Go ") == [
        "Kubernetes",
        "machine learning",
        "Go",
    ]


def test_too_long_a_tag_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match="too long"):
        tags_resolve(names=["x" * 101])


def test_too_many_tags_are_refused():
    member = UserFactory()
    with pytest.raises(ValidationError, match="at most 30"):
        _set(member, *[f"topic {n}" for n in range(31)])


def test_only_the_member_sets_their_expertise():
    member, other = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        profile_expertise_set(actor=other, profile=member.profile, names=["Go"])


def test_merge_repoints_tagged_items_endorsements_and_evidence_and_remembers_the_synonym():
    admin = UserFactory(is_staff=True)
    k8s = Tag.objects.create(name="K8s")
    kubernetes = Tag.objects.create(name="Kubernetes")
    ann, bob, cas = UserFactory(), UserFactory(), UserFactory()
    ann.profile.expertise.add(k8s)
    bob.profile.expertise.add(k8s, kubernetes)  # both: must not end up twice
    post = PostFactory()
    post_type = ContentType.objects.get_for_model(post)
    TaggedItem.objects.create(tag=k8s, content_type=post_type, object_id=post.pk)
    EndorsementFactory(endorser=cas, endorsed=bob, tag=k8s)
    EndorsementFactory(endorser=cas, endorsed=bob, tag=kubernetes)
    EndorsementFactory(endorser=cas, endorsed=ann, tag=k8s)
    expertise_evidence_record(actor=ann, user=ann, tag_name="K8s", kind="post_tagged", object_id=7)

    assert tags_merge(actor=admin, canonical=kubernetes, merged=[k8s, kubernetes]) == 1

    assert not Tag.objects.filter(name="K8s").exists()
    assert list(ann.profile.expertise.names()) == ["Kubernetes"]
    assert list(Profile.objects.get(pk=bob.profile.pk).expertise.names()) == ["Kubernetes"]
    assert TaggedItem.objects.filter(tag=kubernetes, object_id=post.pk, content_type=post_type)
    assert Endorsement.objects.filter(endorsed=bob).count() == 1
    assert Endorsement.objects.get(endorsed=ann).tag == kubernetes
    assert ExpertiseEvidence.objects.get(user=ann).tag == kubernetes
    assert TagSynonym.objects.get(key="k8s").tag == kubernetes
    # Future input of the merged spelling maps to the canonical tag.
    assert tags_resolve(names=["k8s "]) == [kubernetes]


def test_merging_is_for_admins_only():
    member = UserFactory()
    a, b = Tag.objects.create(name="A"), Tag.objects.create(name="B")
    with pytest.raises(PermissionDenied):
        tags_merge(actor=member, canonical=a, merged=[b])


def test_admin_declared_synonym_merges_an_existing_spelling():
    admin = UserFactory(is_staff=True)
    js = Tag.objects.create(name="JS")
    javascript = Tag.objects.create(name="JavaScript")
    member = UserFactory()
    member.profile.expertise.add(js)
    tag_synonym_add(actor=admin, name="js", canonical=javascript)
    assert list(member.profile.expertise.names()) == ["JavaScript"]
    assert tags_resolve(names=["Js"]) == [javascript]


def test_admin_merge_action_asks_which_tag_to_keep_then_merges(client_for):
    admin = UserFactory(is_staff=True, is_superuser=True)
    k8s = Tag.objects.create(name="k8s")
    kubernetes = Tag.objects.create(name="Kubernetes")
    client = client_for(admin)
    selected = {"action": "merge_tags", "_selected_action": [k8s.pk, kubernetes.pk]}
    confirm = client.post("/admin/taggit/tag/", selected)
    assert confirm.status_code == 200
    assert "Tag to keep" in confirm.content.decode()
    done = client.post("/admin/taggit/tag/", {**selected, "apply": "1", "canonical": kubernetes.pk})
    assert done.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["Kubernetes"]
    assert TagSynonym.objects.get(key="k8s").tag == kubernetes


def test_autocomplete_offers_existing_tags_by_prefix_and_synonyms(client_for):
    member = UserFactory()
    kubernetes = Tag.objects.create(name="Kubernetes")
    Tag.objects.create(name="Kubeflow")
    Tag.objects.create(name="Cooking")
    TagSynonym.objects.create(key="k8s", tag=kubernetes)
    response = client_for(member).get("/people/tags/autocomplete", {"q": "kube"})
    assert response.status_code == 200
    assert sorted(response.json()["results"]) == ["Kubeflow", "Kubernetes"]
    assert tag_autocomplete_list("K8") == ["Kubernetes"]
    assert tag_autocomplete_list("   ") == []


def test_autocomplete_needs_a_login(client):
    assert client.get("/people/tags/autocomplete?q=k").status_code == 302
