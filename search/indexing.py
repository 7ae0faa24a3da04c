"""What the index holds for each searchable object, as plain records that every
backend stores its own way. A record of None means "not searchable any more"
(deleted, deactivated, archived page): the backend removes the document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils.html import strip_tags
from taggit.models import TaggedItem

from cms.models import ShareableItemPage
from feed.models import Comment, Post
from groups.models import Group
from profiles.models import Profile, TagSynonym

from .models import DocumentKind

TITLE_MAX = 300
POST_TITLE_WORDS = 14


@dataclass(frozen=True)
class IndexRecord:
    kind: str
    object_id: int
    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    group_id: int | None = None
    post_id: int | None = None
    author_id: int | None = None
    url: str = ""
    department_id: int | None = None
    department: str = ""
    location: str = ""
    languages: list[str] = field(default_factory=list)
    visibility: str = ""
    created_at: datetime | None = None


def _first_words(text: str, count: int = POST_TITLE_WORDS) -> str:
    words = text.split()
    title = " ".join(words[:count])
    return (title + (" …" if len(words) > count else ""))[:TITLE_MAX]


def _synonyms_by_tag(tag_ids: set[int]) -> dict[int, list[str]]:
    synonyms: dict[int, list[str]] = {}
    for tag_id, key in TagSynonym.objects.filter(tag_id__in=tag_ids).values_list("tag_id", "key"):
        synonyms.setdefault(tag_id, []).append(key)
    return synonyms


def _tags_of(model, ids: list[int], *, with_synonyms: bool = False) -> dict[int, list[str]]:
    """Tag names per object (one query), plus the merged spellings when asked."""
    rows = list(
        TaggedItem.objects.filter(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            object_id__in=ids,
        ).values_list("object_id", "tag_id", "tag__name")
    )
    synonyms = _synonyms_by_tag({tag_id for _, tag_id, _ in rows}) if with_synonyms else {}
    tags: dict[int, list[str]] = {}
    for object_id, tag_id, name in rows:
        tags.setdefault(object_id, []).extend([name, *synonyms.get(tag_id, [])])
    return tags


def people_records(user_ids: list[int]) -> dict[int, IndexRecord]:
    """Active members' profiles; the document id is the user id."""
    profiles = list(
        Profile.objects.filter(user_id__in=user_ids, user__is_active=True).select_related(
            "user", "department"
        )
    )
    tags = _tags_of(Profile, [profile.pk for profile in profiles], with_synonyms=True)
    records = {}
    for profile in profiles:
        department = profile.department.name if profile.department else ""
        location = profile.location if profile.location_visible else ""
        records[profile.user_id] = IndexRecord(
            kind=DocumentKind.PERSON,
            object_id=profile.user_id,
            title=profile.display_name[:TITLE_MAX],
            body="\n".join(
                part
                for part in [
                    profile.job_title,
                    department,
                    profile.ask_me_about,
                    profile.about,
                    location,
                ]
                if part
            ),
            tags=tags.get(profile.pk, []),
            author_id=profile.user_id,
            url=reverse("profiles:detail", args=[profile.user.username]),
            department_id=profile.department_id,
            department=department,
            location=location,
            languages=profile.languages_list,
            created_at=profile.updated_at,
        )
    return records


def post_records(post_ids: list[int]) -> dict[int, IndexRecord]:
    posts = list(Post.objects.filter(pk__in=post_ids, deleted_at__isnull=True))
    tags = _tags_of(Post, [post.pk for post in posts])
    return {
        post.pk: IndexRecord(
            kind=DocumentKind.POST,
            object_id=post.pk,
            title=_first_words(post.body),
            body=post.body,
            tags=tags.get(post.pk, []),
            group_id=post.group_id,
            post_id=post.pk,
            author_id=post.author_id,
            url=reverse("feed:post", args=[post.pk]),
            created_at=post.created_at,
        )
        for post in posts
    }


def comment_records(comment_ids: list[int]) -> dict[int, IndexRecord]:
    comments = Comment.objects.filter(
        pk__in=comment_ids, deleted_at__isnull=True, post__deleted_at__isnull=True
    ).select_related("post")
    return {
        comment.pk: IndexRecord(
            kind=DocumentKind.COMMENT,
            object_id=comment.pk,
            title=_first_words(comment.post.body),
            body=comment.body,
            group_id=comment.post.group_id,
            post_id=comment.post_id,
            author_id=comment.author_id,
            url=f"{reverse('feed:post', args=[comment.post_id])}#comment-{comment.pk}",
            created_at=comment.created_at,
        )
        for comment in comments
    }


def group_records(group_ids: list[int]) -> dict[int, IndexRecord]:
    groups = list(Group.objects.filter(pk__in=group_ids))
    tags = _tags_of(Group, [group.pk for group in groups], with_synonyms=True)
    return {
        group.pk: IndexRecord(
            kind=DocumentKind.GROUP,
            object_id=group.pk,
            title=group.name,
            body=group.description,
            tags=tags.get(group.pk, []),
            group_id=group.pk,
            url=reverse("groups:detail", args=[group.slug]),
            visibility=group.visibility,
            created_at=group.created_at,
        )
        for group in groups
    }


def hub_records(page_ids: list[int]) -> dict[int, IndexRecord]:
    pages = ShareableItemPage.objects.filter(pk__in=page_ids).live().public()
    return {
        page.pk: IndexRecord(
            kind=DocumentKind.HUB,
            object_id=page.pk,
            title=page.title[:TITLE_MAX],
            body="\n".join(part for part in [page.summary, strip_tags(page.body)] if part),
            tags=[page.get_kind_display()],
            url=page.url or "",
            created_at=page.first_published_at or page.latest_revision_created_at,
        )
        for page in pages
    }


RECORD_BUILDERS = {
    DocumentKind.PERSON: people_records,
    DocumentKind.POST: post_records,
    DocumentKind.COMMENT: comment_records,
    DocumentKind.GROUP: group_records,
    DocumentKind.HUB: hub_records,
}


def records_for(kind: str, object_ids: list[int]) -> dict[int, IndexRecord]:
    return RECORD_BUILDERS[DocumentKind(kind)](object_ids)


def _indexable(kind: str):
    """The rows a full reindex of `kind` visits (the builders decide what is kept)."""
    return {
        DocumentKind.PERSON: lambda: Profile.objects.filter(user__is_active=True).values_list(
            "user_id", flat=True
        ),
        DocumentKind.POST: lambda: Post.objects.filter(deleted_at__isnull=True).values_list(
            "pk", flat=True
        ),
        DocumentKind.COMMENT: lambda: Comment.objects.filter(deleted_at__isnull=True).values_list(
            "pk", flat=True
        ),
        DocumentKind.GROUP: lambda: Group.objects.values_list("pk", flat=True),
        DocumentKind.HUB: lambda: ShareableItemPage.objects.live().values_list("pk", flat=True),
    }[DocumentKind(kind)]()


def all_object_ids(kind: str) -> Iterator[int]:
    return _indexable(kind).order_by("pk").iterator(chunk_size=2000)


def count_of_objects(kind: str) -> int:
    return _indexable(kind).count()
