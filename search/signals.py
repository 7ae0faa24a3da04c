"""Every change to something searchable writes an outbox row in the same
transaction, whichever path made it: services, the Django admin or Wagtail.
(Bulk `update()`s send no signals; the services that use one call
`search.services.outbox_add` themselves.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from taggit.models import TaggedItem
from wagtail.signals import page_published, page_unpublished

from cms.models import ShareableItemPage
from feed.models import Comment, Post, Reaction
from groups.models import Group, Membership
from profiles.models import Department, Endorsement, ExpertiseEvidence, Profile, TagSynonym

from .models import DocumentKind
from .services import expertise_stale_mark, outbox_add

User = get_user_model()


@receiver([post_save, post_delete], sender=User, dispatch_uid="search_user")
def _user_changed(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.PERSON, [instance.pk])


@receiver([post_save, post_delete], sender=Profile, dispatch_uid="search_profile")
def _profile_changed(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.PERSON, [instance.user_id])


@receiver(post_save, sender=Department, dispatch_uid="search_department")
def _department_changed(sender, instance, created: bool = False, **kwargs) -> None:
    if not created:
        members = Profile.objects.filter(department=instance).values_list("user_id", flat=True)
        outbox_add(DocumentKind.PERSON, members)


@receiver([post_save, post_delete], sender=Post, dispatch_uid="search_post")
def _post_changed(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.POST, [instance.pk])
    if kwargs.get("signal") is post_save and not kwargs.get("created"):
        # Comments show their post's opening words and vanish with it (a new
        # post has none yet).
        outbox_add(DocumentKind.COMMENT, instance.comments.values_list("pk", flat=True))


@receiver([post_save, post_delete], sender=Comment, dispatch_uid="search_comment")
def _comment_changed(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.COMMENT, [instance.pk])


@receiver([post_save, post_delete], sender=Group, dispatch_uid="search_group")
def _group_changed(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.GROUP, [instance.pk])


def _tagged_objects(items, *, recount: bool = False) -> None:
    """Reindex what carries these tagged items (profiles, posts, groups);
    `recount`: the tags themselves changed, so the expertise of the profiles'
    owners and of topic groups' members is recounted too."""
    by_model: dict[str, list[int]] = {}
    for app_label, model, object_id in items:
        by_model.setdefault(f"{app_label}.{model}", []).append(object_id)
    if ids := by_model.get("profiles.profile"):
        owners = list(Profile.objects.filter(pk__in=ids).values_list("user_id", flat=True))
        outbox_add(DocumentKind.PERSON, owners)
        if recount:
            expertise_stale_mark(owners)
    if ids := by_model.get("feed.post"):
        outbox_add(DocumentKind.POST, ids)
    if ids := by_model.get("groups.group"):
        outbox_add(DocumentKind.GROUP, ids)
        if recount:  # a topic group: its members know the topic a little
            members = Membership.objects.filter(group_id__in=ids)
            expertise_stale_mark(members.values_list("user_id", flat=True))


@receiver([post_save, post_delete], sender=TaggedItem, dispatch_uid="search_tagged_item")
def _tagged_item_changed(sender, instance, **kwargs) -> None:
    content_type = instance.content_type
    _tagged_objects(
        [(content_type.app_label, content_type.model, instance.object_id)], recount=True
    )


@receiver([post_save, post_delete], sender=TagSynonym, dispatch_uid="search_tag_synonym")
def _synonym_changed(sender, instance, **kwargs) -> None:
    # People and groups are indexed with the merged spellings of their tags.
    items = TaggedItem.objects.filter(tag_id=instance.tag_id).values_list(
        "content_type__app_label", "content_type__model", "object_id"
    )
    _tagged_objects(list(items))


@receiver([page_published, page_unpublished], dispatch_uid="search_hub_page")
def _hub_page_changed(sender, instance, **kwargs) -> None:
    if isinstance(instance.specific_deferred, ShareableItemPage):
        outbox_add(DocumentKind.HUB, [instance.pk])


@receiver(post_delete, sender=ShareableItemPage, dispatch_uid="search_hub_page_deleted")
def _hub_page_deleted(sender, instance, **kwargs) -> None:
    outbox_add(DocumentKind.HUB, [instance.pk])


# --- expertise statistics: who must be recounted -----------------------------------
# Deactivating a member needs no recount (the people search joins only active
# members); the endorsements they gave are recounted by the nightly rebuild.


@receiver([post_save, post_delete], sender=ExpertiseEvidence, dispatch_uid="expertise_evidence")
def _evidence_changed(sender, instance, **kwargs) -> None:
    expertise_stale_mark([instance.user_id])


@receiver(post_save, sender=Post, dispatch_uid="expertise_post")
def _post_saved(sender, instance, created: bool = False, **kwargs) -> None:
    # An edit or a deletion changes what its evidence counts; a new post's
    # hashtags mark their author themselves (expertise_evidence_record_many).
    if not created:
        expertise_stale_mark([instance.author_id])


@receiver(post_save, sender=Comment, dispatch_uid="expertise_comment")
def _comment_saved(sender, instance, **kwargs) -> None:
    if instance.deleted_at is not None:  # an accepted answer stops counting
        expertise_stale_mark([instance.author_id])


@receiver([post_save, post_delete], sender=Reaction, dispatch_uid="expertise_reaction")
def _reaction_changed(sender, instance, **kwargs) -> None:
    if instance.post_id and instance.comment_id is None:  # a well-received post
        expertise_stale_mark([instance.post.author_id])


@receiver([post_save, post_delete], sender=Endorsement, dispatch_uid="expertise_endorsement")
def _endorsement_changed(sender, instance, **kwargs) -> None:
    expertise_stale_mark([instance.endorsed_id])


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="expertise_membership")
def _membership_changed(sender, instance, **kwargs) -> None:
    expertise_stale_mark([instance.user_id])
