"""Reads of people, expertise, follows and kudos, with their rules.

Deactivated members never appear (directory, lists, suggestions, profile
pages). Which posts and groups a viewer sees on a profile is decided only by
groups.selectors. Every selector returns rows with what its page shows already
joined or prefetched, so templates never query.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString
from taggit.models import Tag, TaggedItem

from community.markdown import render_markdown
from community.querysets import count_of
from feed.models import Comment, Post
from groups.models import Group
from groups.selectors import groups_visible_to, posts_visible_to

from .models import (
    TOKEN_PREFIX,
    AccessToken,
    DeletionRequest,
    DeletionState,
    Department,
    Endorsement,
    ExpertiseEvidence,
    Follow,
    Kudos,
    Profile,
    TagSynonym,
    User,
)

PROFILE_LIST_LIMIT = 12  # recent posts, kudos, groups, reports, peers on a profile page
SUGGESTION_LIMIT = 5
AUTOCOMPLETE_LIMIT = 10


def _profile_tagged_items() -> QuerySet[TaggedItem]:
    """Tag links of profiles. The content type is matched in SQL, not looked up
    first: the lookup is cached per process, which would make a page's query
    count depend on what ran before it."""
    return TaggedItem.objects.filter(
        content_type__app_label=Profile._meta.app_label,
        content_type__model=Profile._meta.model_name,
    )


def _viewer_id(viewer: Any) -> int | None:
    return viewer.pk if getattr(viewer, "is_authenticated", False) else None


# --- the directory ------------------------------------------------------------------


def people_directory(
    *, query: str = "", department: str = "", location: str = "", expertise: str = ""
) -> QuerySet[Profile]:
    """Active members, filtered by text, department slug, location and expertise.

    A hidden location is neither shown nor searchable: filtering on it would
    reveal it. Expertise matches the canonical tag of what was typed (synonyms
    and case included). Department, user and expertise tags are loaded with the
    page (one extra query for the tags, whatever the page size)."""
    people = (
        Profile.objects.filter(user__is_active=True)
        .select_related("department", "user")
        .prefetch_related("expertise")
    )
    if query:
        people = people.filter(
            Q(display_name__icontains=query)
            | Q(job_title__icontains=query)
            | Q(department__name__icontains=query)
        )
    if department:
        people = people.filter(department__slug=department)
    if location:
        people = people.filter(location_visible=True, location__icontains=location)
    if expertise:
        tag = tag_find(expertise)
        people = people.filter(expertise=tag) if tag is not None else people.none()
    return people


def departments_list() -> QuerySet[Department]:
    return Department.objects.order_by("name")


def department_ids_with_members(minimum: int) -> QuerySet[Department]:
    """The ids of departments with at least `minimum` active members today (a
    values queryset, usable as a subquery): reports show a department only from
    that size on, so figures never point at a few people."""
    return (
        Department.objects.annotate(
            active_members=Count("profiles", filter=Q(profiles__user__is_active=True))
        )
        .filter(active_members__gte=minimum)
        .values("pk")
    )


# --- one profile -------------------------------------------------------------------


@dataclass
class ExpertiseEntry:
    tag: Tag
    count: int
    endorsers: list[Profile] = field(default_factory=list)
    endorsed_by_viewer: bool = False


@dataclass
class ProfilePage:
    profile: Profile
    is_own: bool
    expertise: list[ExpertiseEntry]
    reports: list[Profile]
    peers: list[Profile]
    posts: list[Post]
    groups: list[Group]
    kudos: list[Kudos]
    suggestions: list[Profile]
    about_html: SafeString = field(default_factory=lambda: SafeString(""))

    # Hidden fields are shown to their owner only (marked as hidden there).
    @property
    def show_phone(self) -> bool:
        return bool(self.profile.phone) and (self.is_own or self.profile.phone_visible)

    @property
    def show_location(self) -> bool:
        return bool(self.profile.location) and (self.is_own or self.profile.location_visible)


def profile_active_by_username(username: str) -> Profile:
    """An active member's profile with user, department and manager joined; 404
    for unknown and deactivated members alike (no hint which)."""
    profile = (
        Profile.objects.select_related("user", "department", "manager", "manager__user")
        .filter(user__username=username, user__is_active=True)
        .first()
    )
    if profile is None:
        raise Http404("No such colleague")
    return profile


def profile_page_for(viewer: User, *, username: str) -> ProfilePage:
    """Everything a profile page shows, for this viewer, in a fixed number of
    queries whatever the number of endorsements, kudos, followers or posts.

    Posts are those posts_visible_to(viewer) allows, groups those
    groups_visible_to(viewer) allows: a secret group and its posts never show
    to a non-member. Hidden phone and location are left for the template to
    show to the owner only (see `Profile.phone_visible`)."""
    viewer_id = _viewer_id(viewer)
    profile = (
        Profile.objects.select_related("user", "department", "manager", "manager__user")
        .filter(user__username=username, user__is_active=True)
        .annotate(
            follower_count=count_of(
                Follow.objects.filter(follower__is_active=True), link="followed", outer="user_id"
            ),
            following_count=count_of(
                Follow.objects.filter(followed__is_active=True), link="follower", outer="user_id"
            ),
            kudos_count=count_of(Kudos.objects.all(), link="receiver", outer="user_id"),
            followed_by_viewer=Exists(
                Follow.objects.filter(follower_id=viewer_id, followed=OuterRef("user_id"))
            ),
        )
        .first()
    )
    if profile is None:
        raise Http404("No such colleague")
    member = profile.user
    expertise = _expertise_with_endorsements(profile, viewer_id=viewer_id)

    people = Profile.objects.filter(user__is_active=True).select_related("user")
    reports = list(people.filter(manager=profile)[:PROFILE_LIST_LIMIT])
    peers = (
        list(
            people.filter(manager_id=profile.manager_id).exclude(pk=profile.pk)[:PROFILE_LIST_LIMIT]
        )
        if profile.manager_id
        else []
    )
    posts = list(
        posts_visible_to(viewer)
        .filter(author=member)
        .select_related("group")
        .order_by("-created_at", "-pk")[:PROFILE_LIST_LIMIT]
    )
    groups = list(
        groups_visible_to(viewer)
        .filter(memberships__user=member, archived_at__isnull=True)
        .order_by("name", "pk")[:PROFILE_LIST_LIMIT]
    )
    kudos = list(
        Kudos.objects.filter(receiver=member)
        .select_related("giver__profile")
        .order_by("-created_at", "-pk")[:PROFILE_LIST_LIMIT]
    )
    is_own = viewer_id == member.pk
    suggestions = list(follow_suggestions_for(viewer)) if is_own else []
    return ProfilePage(
        profile=profile,
        is_own=is_own,
        expertise=expertise,
        reports=reports,
        peers=peers,
        posts=posts,
        groups=groups,
        kudos=kudos,
        suggestions=suggestions,
        about_html=render_markdown(profile.about),
    )


def _expertise_with_endorsements(
    profile: Profile, *, viewer_id: int | None
) -> list[ExpertiseEntry]:
    """The member's tags, most endorsed first, each with who endorsed it (two
    queries). Only active endorsers count."""
    endorsements = Endorsement.objects.filter(endorsed_id=profile.user_id, endorser__is_active=True)
    tags = (
        Tag.objects.filter(
            taggit_taggeditem_items__in=_profile_tagged_items().filter(object_id=profile.pk)
        )
        .annotate(endorsement_count=count_of(endorsements, link="tag", outer="pk"))
        .order_by("-endorsement_count", "name")
    )
    entries = {tag.pk: ExpertiseEntry(tag=tag, count=tag.endorsement_count) for tag in tags}
    if entries:
        for endorsement in (
            endorsements.filter(tag_id__in=entries)
            .select_related("endorser__profile")
            .order_by("created_at", "pk")
        ):
            entry = entries[endorsement.tag_id]
            entry.endorsers.append(endorsement.endorser.profile)
            if endorsement.endorser_id == viewer_id:
                entry.endorsed_by_viewer = True
    return list(entries.values())


# --- follows -------------------------------------------------------------------------


def followers_of(member: User) -> QuerySet[Follow]:
    """Who follows `member`: active followers only, with their profile joined."""
    return Follow.objects.filter(followed=member, follower__is_active=True).select_related(
        "follower__profile__department"
    )


def following_of(member: User) -> QuerySet[Follow]:
    """Whom `member` follows: active colleagues only, with their profile joined."""
    return Follow.objects.filter(follower=member, followed__is_active=True).select_related(
        "followed__profile__department"
    )


def endorsements_received(member: User) -> QuerySet[Endorsement]:
    """Endorsements of `member`'s expertise by active colleagues (as the profile
    page counts them), with the endorser's profile and the tag joined."""
    return Endorsement.objects.filter(endorsed=member, endorser__is_active=True).select_related(
        "endorser__profile__department", "tag"
    )


SUGGESTION_CONTENDERS = 200


def follow_suggestions_for(viewer: User, *, limit: int = SUGGESTION_LIMIT) -> QuerySet[Profile]:
    """Active colleagues the viewer does not follow yet (never the viewer), most
    followed by the people the viewer follows first, then colleagues of the
    same department, then those sharing an expertise tag. Two queries."""
    viewer_id = _viewer_id(viewer)
    if viewer_id is None or not viewer.is_active:
        return Profile.objects.none()
    my_profile = Profile.objects.filter(user_id=viewer_id)
    my_following = Follow.objects.filter(follower_id=viewer_id).values("followed_id")
    my_tags = _profile_tagged_items().filter(object_id__in=my_profile.values("pk"))
    shared_tags = _profile_tagged_items().filter(
        object_id=OuterRef("pk"), tag_id__in=my_tags.values("tag_id")
    )
    candidates = (
        Profile.objects.filter(user__is_active=True)
        .exclude(user_id=viewer_id)
        .exclude(user_id__in=my_following)
        .select_related("user", "department")
        .annotate(
            same_department=Case(
                When(department_id__in=my_profile.values("department_id"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            shares_expertise=Exists(shared_tags),
        )
    )
    order = ["-followed_by_my_follows", "-same_department", "-shares_expertise"]
    order += ["display_name", "pk"]
    # Counting, for every colleague, how many of my follows follow them costs a
    # subquery each (2.6 s at 50,000 people). Count once instead; when enough
    # people have a count, only those who can reach the first `limit` places are
    # ranked (the same answer: the count orders first).
    counts = dict(
        Follow.objects.filter(follower_id__in=my_following, followed__is_active=True)
        .exclude(followed_id__in=my_following)
        .exclude(followed_id=viewer_id)
        .values("followed_id")
        .annotate(n=Count("pk"))
        .values_list("followed_id", "n")
    )
    if len(counts) >= limit:
        threshold = sorted(counts.values(), reverse=True)[limit - 1]
        contenders = {user_id: n for user_id, n in counts.items() if n >= threshold}
        if len(contenders) <= SUGGESTION_CONTENDERS:
            return (
                candidates.filter(user_id__in=contenders)
                .annotate(
                    followed_by_my_follows=Case(
                        *[
                            When(user_id=user_id, then=Value(n))
                            for user_id, n in contenders.items()
                        ],
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                )
                .order_by(*order)[:limit]
            )
    return candidates.annotate(
        followed_by_my_follows=count_of(
            Follow.objects.filter(follower_id__in=my_following), link="followed", outer="user_id"
        )
    ).order_by(*order)[:limit]


# --- tags ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def tag_name_normalise(name: str) -> str:
    """How a typed tag is written: Unicode-normalised, trimmed, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()


def tag_key(name: str) -> str:
    """The case-insensitive key two spellings of one tag share."""
    return tag_name_normalise(name).casefold()


def tag_find(name: str) -> Tag | None:
    """The canonical tag for typed input, if there is one: an admin-made synonym
    first, then an existing tag of the same name in any case (the oldest wins)."""
    key = tag_key(name)
    if not key:
        return None
    synonym = TagSynonym.objects.select_related("tag").filter(key=key).first()
    if synonym is not None:
        return synonym.tag
    return Tag.objects.filter(name__iexact=tag_name_normalise(name)).order_by("pk").first()


def tags_find(names: Iterable[str], *, known: Mapping[str, Tag] | None = None) -> dict[str, Tag]:
    """tag_find for several names in two queries (a post's hashtags, a form's
    expertise list), keyed by tag_key; names with no tag yet are left out.
    `known` maps names to what tags_named gives for them, when the caller just
    asked it (a new post's hashtags): those names skip the second query."""
    wanted = {tag_key(name): tag_name_normalise(name) for name in names if tag_key(name)}
    if not wanted:
        return {}
    found = {
        synonym.key: synonym.tag
        for synonym in TagSynonym.objects.select_related("tag").filter(key__in=list(wanted))
    }
    rest = {key: name for key, name in wanted.items() if key not in found}
    named = {name: known[name] for name in rest.values() if known and name in known}
    named |= tags_named(name for name in rest.values() if name not in named)
    found.update({key: named[name] for key, name in rest.items() if name in named})
    return found


def tags_named(names: Iterable[str]) -> dict[str, Tag]:
    """Existing tags named like `names` in any case (the oldest of several
    spellings: taggit's and tag_find's rule), keyed by the name as given, in
    one query; names nobody used yet are left out."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    same_name = Q()
    for name in names:
        same_name |= Q(name__iexact=name)
    found: dict[str, Tag] = {}
    unmatched = False
    for tag in Tag.objects.filter(same_name).order_by("pk"):
        matching = [name for name in names if tag.name.upper() == name.upper()]
        unmatched |= not matching
        for name in matching:
            found.setdefault(name, tag)
    if unmatched:  # a case rule Python and the database read differently: ask singly
        for name in names:
            tag = Tag.objects.filter(name__iexact=name).order_by("pk").first()
            if name not in found and tag is not None:
                found[name] = tag
    return found


def tag_autocomplete_list(query: str, *, limit: int = AUTOCOMPLETE_LIMIT) -> list[str]:
    """Existing tag names starting with what was typed (any case), then those
    containing it; a synonym offers its canonical tag. Most used as expertise
    first (counted on the (tag, content type) index: post hashtags, a million
    rows at scale, are not counted)."""
    text = tag_name_normalise(query)[:100]
    if not text:
        return []
    names: list[str] = []
    synonyms = TagSynonym.objects.filter(key__startswith=tag_key(text)).select_related("tag")
    names.extend(s.tag.name for s in synonyms[:limit])
    tags = (
        Tag.objects.filter(name__icontains=text)
        .annotate(
            starts=Case(
                When(name__istartswith=text, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            uses=Subquery(
                TaggedItem.objects.filter(
                    tag=OuterRef("pk"), content_type=ContentType.objects.get_for_model(Profile)
                )
                .order_by()
                .values("tag")
                .annotate(uses=Count("pk"))
                .values("uses")
            ),
        )
        .order_by("-starts", F("uses").desc(nulls_last=True), "name")
        .values_list("name", flat=True)[:limit]
    )
    names.extend(tags)
    return list(dict.fromkeys(names))[:limit]


def experts_for_tag(tag_name: str) -> QuerySet[Profile]:
    """Active members who list a tag, annotated with what search (issue 7) ranks
    them by: endorsements from active colleagues and activity evidence."""
    tag = tag_find(tag_name)
    if tag is None:
        return Profile.objects.none()
    return (
        Profile.objects.filter(user__is_active=True, expertise=tag)
        .select_related("user", "department")
        .annotate(
            endorsement_count=count_of(
                Endorsement.objects.filter(tag=tag, endorser__is_active=True),
                link="endorsed",
                outer="user_id",
            ),
            evidence_count=count_of(
                ExpertiseEvidence.objects.filter(tag=tag), link="user", outer="user_id"
            ),
        )
        .order_by("-endorsement_count", "-evidence_count", "display_name", "pk")
    )


# --- kudos --------------------------------------------------------------------------


def kudos_list() -> QuerySet[Kudos]:
    """All kudos between active members, newest first, with both profiles joined:
    the feed (issue 6) merges these into the stream. Kudos are company-wide."""
    return (
        Kudos.objects.filter(giver__is_active=True, receiver__is_active=True)
        .select_related("giver__profile", "receiver__profile")
        .order_by("-created_at", "-pk")
    )


# --- API access tokens --------------------------------------------------------------------


def access_token_hash(secret: str) -> str:
    """What is stored of a token: the SHA-256 of its secret. The secrets are long
    and random, so a plain hash is enough (no salt or slow hash needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def access_token_for_secret(secret: str) -> AccessToken | None:
    """The usable token with this secret, its member and profile joined: not
    revoked, not expired, and only while the member's account is active."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = timezone.now()
    # The hash is unique: no ORDER BY (first() adds one and costs ~0.8 ms of ORM
    # work on every API request, B6).
    found = list(
        AccessToken.objects.select_related("user__profile__department")
        .filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            secret_hash=access_token_hash(secret),
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .order_by()[:1]
    )
    return found[0] if found else None


def member_roles(member: User) -> list[str]:
    """What a member is in Buzz, as stable names for API clients: "staff",
    "community_manager", "mt_member", "manager" and their ambassador role."""
    roles = ["staff"] if member.is_staff else []
    profile = getattr(member, "profile", None)
    if profile is not None:
        flags = ["community_manager", "mt_member", "manager"]
        roles.extend(flag for flag in flags if getattr(profile, f"is_{flag}"))
        if profile.ambassador_role:
            roles.append(profile.ambassador_role)
    return roles


def access_tokens_of(member: User) -> QuerySet[AccessToken]:
    """A member's own tokens, newest first (for keyset pagination)."""
    return AccessToken.objects.filter(user=member).order_by("-created_at", "-pk")


# --- privacy ---------------------------------------------------------------------------


def deletion_request_pending_for(member: User) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=member, state=DeletionState.PENDING).first()


def member_data_export_for(member: User) -> dict[str, Any]:
    """Everything Buzz holds that the member made or that is about them, as
    JSON-ready data. Their posts and comments are read through
    posts_visible_to(member), like every other read of posts."""
    profile = Profile.objects.select_related("department", "manager").filter(user=member).first()
    visible_posts = posts_visible_to(member)

    def when(value) -> str | None:
        return value.isoformat() if value else None

    def person(user: User) -> dict[str, Any]:
        return {"username": user.username, "display_name": _display_name(user)}

    profile_data: dict[str, Any] = {}
    if profile is not None:
        profile_data = {
            "display_name": profile.display_name,
            "job_title": profile.job_title,
            "department": profile.department.name if profile.department else None,
            "location": profile.location,
            "location_visible": profile.location_visible,
            "manager": profile.manager.display_name if profile.manager else None,
            "phone": profile.phone,
            "phone_visible": profile.phone_visible,
            "chat_handle": profile.chat_handle,
            "languages_spoken": profile.languages_list,
            "about": profile.about,
            "ask_me_about": profile.ask_me_about,
            "language": profile.language,
            "social_links": {
                name: getattr(profile, name)
                for name in ["linkedin_url", "x_url", "facebook_url", "github_url", "website_url"]
                if getattr(profile, name)
            },
            "photo": profile.photo_page.url if profile.photo_page else None,
            "expertise": sorted(profile.expertise.names()),
            "created_at": when(profile.created_at),
        }
    endorsement_rows = Endorsement.objects.select_related(
        "tag", "endorser__profile", "endorsed__profile"
    )
    kudos_rows = Kudos.objects.select_related("giver__profile", "receiver__profile")
    follow_rows = Follow.objects.select_related("follower__profile", "followed__profile")
    return {
        "account": {
            "username": member.username,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "date_joined": when(member.date_joined),
        },
        "profile": profile_data,
        "endorsements_given": [
            {"to": person(e.endorsed), "tag": e.tag.name, "at": when(e.created_at)}
            for e in endorsement_rows.filter(endorser=member)
        ],
        "endorsements_received": [
            {"from": person(e.endorser), "tag": e.tag.name, "at": when(e.created_at)}
            for e in endorsement_rows.filter(endorsed=member)
        ],
        "following": [
            {"member": person(f.followed), "since": when(f.created_at)}
            for f in follow_rows.filter(follower=member)
        ],
        "followers": [
            {"member": person(f.follower), "since": when(f.created_at)}
            for f in follow_rows.filter(followed=member)
        ],
        "kudos_given": [
            {
                "to": person(k.receiver),
                "category": k.category,
                "message": k.message,
                "at": when(k.created_at),
            }
            for k in kudos_rows.filter(giver=member)
        ],
        "kudos_received": [
            {
                "from": person(k.giver),
                "category": k.category,
                "message": k.message,
                "at": when(k.created_at),
            }
            for k in kudos_rows.filter(receiver=member)
        ],
        # What is known of the member's API tokens (never a secret: none is stored).
        "access_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": when(t.created_at),
                "last_used_at": when(t.last_used_at),
                "expires_at": when(t.expires_at),
                "revoked_at": when(t.revoked_at),
            }
            for t in access_tokens_of(member)
        ],
        "posts": [
            {
                "id": p.pk,
                "group": p.group.name if p.group else None,
                "body": p.body,
                "created_at": when(p.created_at),
            }
            for p in visible_posts.filter(author=member).select_related("group").order_by("pk")
        ],
        "comments": [
            {"id": c.pk, "post_id": c.post_id, "body": c.body, "created_at": when(c.created_at)}
            for c in Comment.objects.filter(
                author=member, deleted_at__isnull=True, post__in=visible_posts
            ).order_by("pk")
        ],
    }


def _display_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.display_name if profile is not None else user.get_username()
