"""Social creators submit hub items; social editors approve them, which
publishes them (Wagtail's moderation workflow, set up by a migration)."""

import pytest
from django.contrib.auth.models import Group

from cms.models import ItemKind, ShareableItemPage, SocialHubPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member_of(name: str):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def test_creator_submits_and_an_editor_approval_publishes():
    creator, editor = _member_of("Social creators"), _member_of("Social editors")
    hub = SocialHubPage.objects.get()
    assert hub.permissions_for_user(creator).can_add_subpage()
    item = ShareableItemPage(
        title="Our new office opens",
        kind=ItemKind.ARTICLE,
        canonical_url="https://www.example.com/office",
        live=False,
        owner=creator,
    )
    hub.add_child(instance=item)
    item.save_revision(user=creator)
    permissions = item.permissions_for_user(creator)
    assert permissions.can_edit() and not permissions.can_publish()

    workflow = item.get_workflow()
    assert workflow.name == "Social hub review"
    state = workflow.start(item, creator)
    task_state = state.current_task_state
    assert not item.permissions_for_user(creator).can_publish()
    assert task_state.task.specific.user_can_access_editor(item, editor)

    task_state.task.specific.on_action(task_state, editor, "approve")
    item.refresh_from_db()
    assert item.live
    assert item.get_latest_revision().user == creator  # the submitter stays credited


def test_an_editor_rejection_leaves_the_item_unpublished():
    creator, editor = _member_of("Social creators"), _member_of("Social editors")
    hub = SocialHubPage.objects.get()
    item = ShareableItemPage(
        title="Draft", kind=ItemKind.EVENT, canonical_url="https://www.example.com/e", live=False
    )
    hub.add_child(instance=item)
    item.save_revision(user=creator)
    state = item.get_workflow().start(item, creator)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, editor, "reject")
    item.refresh_from_db()
    assert not item.live


def test_members_without_a_role_cannot_add_hub_items():
    assert not SocialHubPage.objects.get().permissions_for_user(UserFactory()).can_add_subpage()
