"""Every write of profiles, expertise, endorsements, follows and kudos.

Each service takes the acting user, checks what that user may do, validates
with full_clean and writes inside one transaction; participation events are
recorded in the same transaction (metrics.services.event_record), so an act
that rolls back leaves no event behind. Files are deleted only after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from taggit.models import Tag, TaggedItem

from community.uploads import check_size, open_image, reencode_image
from feed.models import NotificationKind
from feed.services import member_content_anonymise, member_content_remove, notify
from metrics.models import EventKind
from metrics.services import event_record

from .models import (
    TOKEN_PREFIX,
    AccessToken,
    DeletionRequest,
    DeletionState,
    Endorsement,
    EvidenceKind,
    ExpertiseEvidence,
    Follow,
    Kudos,
    Profile,
    TagSynonym,
    User,
)
from .selectors import access_token_hash, tag_find, tag_key, tag_name_normalise, tags_find

# --- access -------------------------------------------------------------------


def _require_active(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Log in with an active account to do this."))


def _require_staff(actor: Any) -> None:
    _require_active(actor)
    if not (actor.is_staff or actor.is_superuser):
        raise PermissionDenied(_("Only administrators may do this."))


def _require_active_member(user: User) -> None:
    if not user.is_active:
        raise ValidationError(_("This colleague's account is no longer active."))


def access_own_profile(*, actor: Any, profile: Profile) -> Profile:
    """A member edits their own profile only (admins use the Django admin)."""
    _require_active(actor)
    if profile.user_id != actor.pk:
        raise PermissionDenied(_("You can only change your own profile."))
    return profile


# --- profile ------------------------------------------------------------------

#: What a member may change on their own profile; admin flags are not here.
MEMBER_EDITABLE_FIELDS = frozenset(
    {
        "display_name",
        "job_title",
        "department",
        "location",
        "location_visible",
        "manager",
        "phone",
        "phone_visible",
        "chat_handle",
        "languages_spoken",
        "about",
        "ask_me_about",
        "language",
        "linkedin_url",
        "x_url",
        "facebook_url",
        "github_url",
        "website_url",
    }
)
MAX_EXPERTISE_TAGS = 30
MANAGER_CHAIN_LIMIT = 50


@transaction.atomic
def profile_get_or_create(*, actor: User) -> Profile:
    """The actor's own profile; accounts made outside Buzz (createsuperuser) get
    one on first use, named after the account."""
    _require_active(actor)
    profile = Profile.objects.filter(user=actor).first()
    if profile is None:
        profile = Profile(user=actor, display_name=actor.get_full_name() or actor.get_username())
        profile.full_clean()
        profile.save()
    return profile


def _check_manager(profile: Profile, manager: Profile | None) -> None:
    if manager is None:
        return
    if manager.pk == profile.pk:
        raise ValidationError({"manager": _("You cannot be your own manager.")})
    if not manager.user.is_active:
        raise ValidationError({"manager": _("This colleague's account is no longer active.")})
    # Walk up from the new manager: meeting this profile would make a loop.
    current, steps = manager, 0
    while current.manager_id is not None and steps < MANAGER_CHAIN_LIMIT:
        if current.manager_id == profile.pk:
            raise ValidationError(
                {
                    "manager": _("%(name)s reports to you; choose someone else.")
                    % {"name": manager.display_name}
                }
            )
        current = Profile.objects.only("pk", "manager_id").get(pk=current.manager_id)
        steps += 1


def _is_complete(profile: Profile) -> bool:
    return bool(
        profile.display_name
        and profile.job_title
        and profile.department_id
        and profile.photo_avatar
        and profile.about
        and profile.expertise.exists()
    )


@transaction.atomic
def profile_update(
    *,
    actor: User,
    profile: Profile,
    changes: dict[str, Any],
    expertise: list[str] | None = None,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
) -> Profile:
    """A member changes their own profile: the member-editable fields only,
    their expertise (normalised) and photo (checked by content). The first time
    the profile becomes complete a PROFILE_COMPLETED event is recorded."""
    access_own_profile(actor=actor, profile=profile)
    forbidden = set(changes) - MEMBER_EDITABLE_FIELDS
    if forbidden:
        raise PermissionDenied(
            _("Members cannot change %(fields)s.") % {"fields": ", ".join(sorted(forbidden))}
        )
    if "manager" in changes:
        _check_manager(profile, changes["manager"])
    for name, value in changes.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.full_clean()
    profile.save()
    if expertise is not None:
        profile_expertise_set(actor=actor, profile=profile, names=expertise)
    if photo is not None:
        profile_photo_set(actor=actor, profile=profile, upload=photo)
    elif remove_photo:
        profile_photo_remove(actor=actor, profile=profile)
    if profile.completed_at is None and _is_complete(profile):
        profile.completed_at = timezone.now()
        profile.save(update_fields=["completed_at"])
        event_record(actor=actor, kind=EventKind.PROFILE_COMPLETED, target=profile)
    return profile


# --- photo --------------------------------------------------------------------

PHOTO_SIZES = {"photo_avatar": 96, "photo_page": 256}


def photo_renditions(upload: UploadedFile) -> dict[str, ContentFile]:
    """Check an upload by its content and return the square renditions to store.

    community.uploads refuses files over BUZZ_PHOTO_MAX_BYTES, anything that is
    not a JPEG, PNG, WebP or GIF by content, images over BUZZ_PHOTO_MAX_PIXELS
    (from the header, before decoding) and damaged files. The renditions are
    re-encoded from pixels only, so EXIF (camera, GPS) is gone.
    """
    try:
        check_size(upload, settings.BUZZ_PHOTO_MAX_BYTES)
        image = open_image(upload, max_pixels=settings.BUZZ_PHOTO_MAX_PIXELS)
    except ValidationError as error:
        raise ValidationError({"photo": error}) from None
    renditions = {}
    for field, side in PHOTO_SIZES.items():
        square = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
        renditions[field] = reencode_image(square, name=str(side))
    return renditions


def _delete_files_on_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def profile_photo_set(*, actor: User, profile: Profile, upload: UploadedFile) -> Profile:
    """A member sets their own photo; the upload is checked by content and only
    resized, EXIF-free renditions are stored. Old files go after commit."""
    access_own_profile(actor=actor, profile=profile)
    renditions = photo_renditions(upload)
    old = [f.name for f in (profile.photo_avatar, profile.photo_page) if f]
    for field, content in renditions.items():
        getattr(profile, field).save(content.name, content, save=False)
    profile.save(update_fields=[*PHOTO_SIZES, "updated_at"])
    if old:
        _delete_files_on_commit(old)
    return profile


@transaction.atomic
def profile_photo_remove(*, actor: User, profile: Profile) -> Profile:
    """A member removes their own photo; the files go after commit."""
    access_own_profile(actor=actor, profile=profile)
    old = [f.name for f in (profile.photo_avatar, profile.photo_page) if f]
    profile.photo_avatar = profile.photo_page = ""
    profile.save(update_fields=[*PHOTO_SIZES, "updated_at"])
    if old:
        _delete_files_on_commit(old)
    return profile


# --- expertise tags -------------------------------------------------------------

TAG_MAX_CHARS = 100


def tags_resolve(*, names: Iterable[str], known: Mapping[str, Tag] | None = None) -> list[Tag]:
    """Typed names to canonical tags, creating the ones nobody used before.

    A helper for services (expertise here, hashtags in the feed): it checks no
    actor, its caller has. "Kubernetes" and " kubernetes" give one tag; the first
    spelling used is kept; duplicates collapse; order of first appearance is kept.
    `known`: tags_named's answer the caller already has for some names.
    """
    typed = [name for name in (tag_name_normalise(raw) for raw in names) if name]
    for name in typed:
        if len(name) > TAG_MAX_CHARS:
            raise ValidationError(
                {
                    "expertise": _("“%(name)s…” is too long: a tag has at most %(max)s characters.")
                    % {"name": name[:30], "max": TAG_MAX_CHARS}
                }
            )
    existing = tags_find(typed, known=known)  # two queries at most, whatever the number
    tags: dict[int, Tag] = {}
    for name in typed:
        tag = existing.get(tag_key(name))
        if tag is None:
            tag = Tag(name=name)
            tag.save()  # taggit makes a unique slug
            existing[tag_key(name)] = tag
        tags.setdefault(tag.pk, tag)
    return list(tags.values())


def expertise_parse(text: str) -> list[str]:
    """A comma-separated list as typed in the form (spaces belong to a tag:
    "machine learning" is one tag)."""
    return [part for part in (tag_name_normalise(p) for p in text.split(",")) if part]


@transaction.atomic
def profile_expertise_set(*, actor: User, profile: Profile, names: list[str]) -> list[Tag]:
    """A member replaces their own expertise tags, normalised to canonical tags.
    Endorsements of a removed tag are kept and count again if it comes back."""
    access_own_profile(actor=actor, profile=profile)
    tags = tags_resolve(names=names)
    if len(tags) > MAX_EXPERTISE_TAGS:
        raise ValidationError(
            {
                "expertise": _("List at most %(max)s areas of expertise.")
                % {"max": MAX_EXPERTISE_TAGS}
            }
        )
    profile.expertise.set(tags)
    return tags


def _repoint(model, *, tag_field: str, source: Tag, target: Tag, same: list[str]) -> None:
    """Move rows from `source` to `target`; rows that would duplicate one already
    on `target` (same values of `same`) are deleted instead."""
    clash = model.objects.filter(**{tag_field: target}, **{name: OuterRef(name) for name in same})
    model.objects.filter(**{tag_field: source}).filter(Exists(clash)).delete()
    model.objects.filter(**{tag_field: source}).update(**{tag_field: target})


@transaction.atomic
def tags_merge(*, actor: User, canonical: Tag, merged: Iterable[Tag]) -> int:
    """Admins merge spellings into one canonical tag: tagged items (profiles,
    posts, anything using taggit's TaggedItem), endorsements and evidence move to
    it without duplicates, and each merged name becomes a synonym so future input
    maps to the canonical tag. Returns how many tags were merged."""
    _require_staff(actor)
    count = 0
    for tag in merged:
        if tag.pk == canonical.pk:
            continue
        _repoint(
            TaggedItem,
            tag_field="tag",
            source=tag,
            target=canonical,
            same=["content_type_id", "object_id"],
        )
        _repoint(
            Endorsement,
            tag_field="tag",
            source=tag,
            target=canonical,
            same=["endorser_id", "endorsed_id"],
        )
        _repoint(
            ExpertiseEvidence,
            tag_field="tag",
            source=tag,
            target=canonical,
            same=["user_id", "kind", "object_id"],
        )
        TagSynonym.objects.filter(tag=tag).update(tag=canonical)
        key = tag_key(tag.name)
        if key != tag_key(canonical.name):
            TagSynonym.objects.update_or_create(key=key, defaults={"tag": canonical})
        tag.delete()
        count += 1
    return count


@transaction.atomic
def tag_synonym_add(*, actor: User, name: str, canonical: Tag) -> TagSynonym:
    """Admins declare a spelling a synonym of a tag; an existing tag with that
    spelling is merged into the canonical one."""
    _require_staff(actor)
    existing = Tag.objects.filter(name__iexact=tag_name_normalise(name)).exclude(pk=canonical.pk)
    tags_merge(actor=actor, canonical=canonical, merged=list(existing))
    synonym, _created = TagSynonym.objects.update_or_create(
        key=tag_key(name), defaults={"tag": canonical}
    )
    synonym.full_clean()
    return synonym


# --- endorsements ---------------------------------------------------------------


def _tag_of_expertise(member: User, tag_name: str) -> Tag:
    tag = tag_find(tag_name)
    profile = Profile.objects.filter(user=member).first()
    if tag is None or profile is None or not profile.expertise.filter(pk=tag.pk).exists():
        raise ValidationError(
            _("“%(tag)s” is not one of this colleague's areas of expertise.")
            % {"tag": tag_name_normalise(tag_name)}
        )
    return tag


@transaction.atomic
def endorsement_create(*, actor: User, endorsed: User, tag_name: str) -> tuple[Endorsement, bool]:
    """A member endorses a colleague's expertise: never their own, only a tag the
    colleague lists, once per person and tag (a repeat returns the existing
    endorsement, no error). An ENDORSEMENT event is recorded for a new one."""
    _require_active(actor)
    if actor.pk == endorsed.pk:
        raise ValidationError(_("You cannot endorse your own expertise."))
    _require_active_member(endorsed)
    tag = _tag_of_expertise(endorsed, tag_name)
    existing = Endorsement.objects.filter(endorser=actor, endorsed=endorsed, tag=tag).first()
    if existing is not None:
        return existing, False
    endorsement = Endorsement(endorser=actor, endorsed=endorsed, tag=tag)
    endorsement.full_clean()
    try:
        with transaction.atomic():
            endorsement.save()
    except IntegrityError:
        # Two clicks at once: the other request made it; that is the same outcome.
        return Endorsement.objects.get(endorser=actor, endorsed=endorsed, tag=tag), False
    event_record(actor=actor, kind=EventKind.ENDORSEMENT, target=endorsement)
    return endorsement, True


@transaction.atomic
def endorsement_delete(*, actor: User, endorsed: User, tag_name: str) -> bool:
    """A member withdraws their own endorsement (no error if there was none)."""
    _require_active(actor)
    tag = tag_find(tag_name)
    if tag is None:
        return False
    deleted, _rows = Endorsement.objects.filter(endorser=actor, endorsed=endorsed, tag=tag).delete()
    return bool(deleted)


# --- follows --------------------------------------------------------------------


@transaction.atomic
def follow_create(*, actor: User, followed: User) -> tuple[Follow, bool]:
    """A member follows an active colleague, not themself; following twice is
    the same as once. A FOLLOW event is recorded for a new follow."""
    _require_active(actor)
    if actor.pk == followed.pk:
        raise ValidationError(_("You cannot follow yourself."))
    _require_active_member(followed)
    existing = Follow.objects.filter(follower=actor, followed=followed).first()
    if existing is not None:
        return existing, False
    follow = Follow(follower=actor, followed=followed)
    follow.full_clean()
    try:
        with transaction.atomic():
            follow.save()
    except IntegrityError:
        return Follow.objects.get(follower=actor, followed=followed), False
    event_record(actor=actor, kind=EventKind.FOLLOW, target=follow)
    return follow, True


@transaction.atomic
def follow_delete(*, actor: User, followed: User) -> bool:
    """A member stops following a colleague (no error if they did not follow)."""
    _require_active(actor)
    deleted, _rows = Follow.objects.filter(follower=actor, followed=followed).delete()
    return bool(deleted)


# --- kudos ----------------------------------------------------------------------


@transaction.atomic
def kudos_create(*, actor: User, receiver: User, category: str, message: str) -> Kudos:
    """A member thanks an active colleague (never themself) with a category and
    a short message. Stored for the receiver's profile and the feed (issue 6);
    a KUDOS event is recorded."""
    _require_active(actor)
    if actor.pk == receiver.pk:
        raise ValidationError(_("You cannot give kudos to yourself."))
    _require_active_member(receiver)
    kudos = Kudos(giver=actor, receiver=receiver, category=category, message=message.strip())
    kudos.full_clean()
    kudos.save()
    event_record(actor=actor, kind=EventKind.KUDOS, target=kudos)
    notify(
        recipient_id=receiver.pk,
        kind=NotificationKind.KUDOS,
        actor=actor,
        text=f"{kudos.get_category_display()}, {kudos.message}"[:200],
    )
    return kudos


# --- expertise evidence -----------------------------------------------------------


@transaction.atomic
def expertise_evidence_record(
    *, actor: User, user: User, tag_name: str, kind: EvidenceKind | str, object_id: int
) -> tuple[ExpertiseEvidence, bool]:
    """Activity that shows `user` knows `tag_name`, for search to rank experts:
    a post of theirs tagged with it (actor: the poster), or their answer
    accepted on a question tagged with it (actor: whoever accepted it).
    Recording the same evidence twice keeps one row. Called by the feed's
    services, which have already checked that the actor may do the act."""
    _require_active(actor)
    (tag,) = tags_resolve(names=[tag_name]) or [None]
    if tag is None:
        raise ValidationError(_("A tag is needed."))
    evidence, created = ExpertiseEvidence.objects.get_or_create(
        user=user, tag=tag, kind=EvidenceKind(kind), object_id=object_id
    )
    return evidence, created


def expertise_evidence_record_many(
    *,
    actor: User,
    user: User,
    tag_names: Sequence[str],
    kind: EvidenceKind | str,
    object_id: int,
    known_tags: Mapping[str, Tag] | None = None,
) -> int:
    """expertise_evidence_record for all the tags of one act (a new post's
    hashtags) in a fixed number of queries; rows already there are kept.
    `known_tags`: the existing tag of some names in any case, as the caller just
    looked them up (tags_named); synonyms still come first."""
    _require_active(actor)
    rows = [
        ExpertiseEvidence(user=user, tag=tag, kind=EvidenceKind(kind), object_id=object_id)
        for tag in tags_resolve(names=tag_names, known=known_tags)
    ]
    created = len(ExpertiseEvidence.objects.bulk_create(rows, ignore_conflicts=True))
    from search.services import expertise_stale_mark  # search ranks by this evidence

    expertise_stale_mark([user.pk])  # bulk_create sends no signal for search's receiver
    return created


@transaction.atomic
def expertise_evidence_withdraw(*, actor: User, kind: EvidenceKind | str, object_id: int) -> int:
    """The post was deleted or untagged, or the answer unaccepted: its evidence goes."""
    _require_active(actor)
    deleted, _rows = ExpertiseEvidence.objects.filter(
        kind=EvidenceKind(kind), object_id=object_id
    ).delete()
    return deleted


# --- deletion -------------------------------------------------------------------

FORMER_COLLEAGUE_USERNAME = "buzz-former-colleague"
FORMER_COLLEAGUE_NAME = "Former colleague"


def _former_colleague() -> User:
    """The one inactive placeholder that anonymised posts are attributed to."""
    user, created = User.objects.get_or_create(
        username=FORMER_COLLEAGUE_USERNAME,
        defaults={"email": "former-colleague@deleted.invalid", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Profile.objects.create(user=user, display_name=FORMER_COLLEAGUE_NAME)
    return user


@transaction.atomic
def deletion_request_create(*, actor: User) -> DeletionRequest:
    """A member asks for their own account to be deleted; asking again while a
    request is pending returns that request."""
    _require_active(actor)
    pending = DeletionRequest.objects.filter(user=actor, state=DeletionState.PENDING).first()
    if pending is not None:
        return pending
    request = DeletionRequest(user=actor)
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def deletion_request_cancel(*, actor: User, request: DeletionRequest) -> DeletionRequest:
    """A member withdraws their own pending request."""
    _require_active(actor)
    if request.user_id != actor.pk:
        raise PermissionDenied(_("You can only cancel your own request."))
    if request.state != DeletionState.PENDING:
        raise ValidationError(_("This request is no longer pending."))
    request.state = DeletionState.CANCELLED
    request.save(update_fields=["state"])
    return request


@transaction.atomic
def deletion_request_confirm(*, actor: User, request: DeletionRequest) -> DeletionRequest:
    """An admin confirms a pending deletion request: the member is deactivated
    (so they vanish from the directory, search and suggestions), their profile
    and account are anonymised, their endorsements, follows, kudos received and
    evidence are deleted, and their posts, comments and kudos given are
    anonymised (attributed to one "Former colleague") or removed, per
    BUZZ_DELETED_MEMBER_POSTS."""
    _require_staff(actor)
    request = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != DeletionState.PENDING:
        raise ValidationError(_("This request is no longer pending."))
    if request.user_id == actor.pk:
        raise PermissionDenied(_("Another administrator must confirm your own deletion."))
    member = request.user
    _member_erase(member)
    request.state = DeletionState.CONFIRMED
    request.confirmed_by = actor
    request.confirmed_at = timezone.now()
    request.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    return request


def _member_erase(member: User) -> None:
    if settings.BUZZ_DELETED_MEMBER_POSTS == "remove":
        member_content_remove(member=member)
        Kudos.objects.filter(giver=member).delete()
    else:
        placeholder = _former_colleague()
        member_content_anonymise(member=member, placeholder=placeholder)
        Kudos.objects.filter(giver=member).update(giver=placeholder)
    Kudos.objects.filter(receiver=member).delete()
    Endorsement.objects.filter(endorser=member).delete()
    Endorsement.objects.filter(endorsed=member).delete()
    Follow.objects.filter(follower=member).delete()
    Follow.objects.filter(followed=member).delete()
    ExpertiseEvidence.objects.filter(user=member).delete()
    AccessToken.objects.filter(user=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )

    profile = Profile.objects.filter(user=member).first()
    if profile is not None:
        Profile.objects.filter(manager=profile).update(manager=None)
        old_files = [f.name for f in (profile.photo_avatar, profile.photo_page) if f]
        profile.expertise.clear()
        keep = {"id", "user", "created_at", "updated_at", "completed_at", "language"}
        for field in Profile._meta.concrete_fields:
            if field.name not in keep:
                setattr(profile, field.attname, field.get_default())
        profile.display_name = FORMER_COLLEAGUE_NAME
        profile.save()
        if old_files:
            _delete_files_on_commit(old_files)

    member.username = f"deleted-{member.pk}"
    member.email = f"deleted-{member.pk}@deleted.invalid"
    member.first_name = member.last_name = ""
    member.is_active = member.is_staff = member.is_superuser = False
    member.set_unusable_password()
    member.full_clean()
    member.save()


# --- API access tokens -----------------------------------------------------------

TOKEN_SECRET_LENGTH = 40  # alphanumeric: about 238 bits, one double-click to select
TOKEN_PREFIX_LENGTH = 8  # secret characters kept in the clear to recognise a token
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
_TOKEN_ALPHABET = string.ascii_letters + string.digits


@transaction.atomic
def token_create(
    *, actor: User, name: str, scope: str, expires_at: dt.datetime | None = None
) -> tuple[AccessToken, str]:
    """A new personal access token for the actor. Returns the token and its
    secret; the secret is not stored (only its SHA-256) and is never shown again."""
    _require_active(actor)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    secret = TOKEN_PREFIX + "".join(
        secrets.choice(_TOKEN_ALPHABET) for _i in range(TOKEN_SECRET_LENGTH)
    )
    token = AccessToken(
        user=actor,
        name=(name or "").strip(),
        prefix=secret[: len(TOKEN_PREFIX) + TOKEN_PREFIX_LENGTH],
        secret_hash=access_token_hash(secret),
        scope=scope,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> AccessToken:
    """Revoke one of the actor's own tokens (revoking twice keeps the first
    moment). Someone else's token is Http404, exactly like a missing one, so
    token ids cannot be probed."""
    _require_active(actor)
    token = AccessToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise Http404("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_mark_used(*, token: AccessToken, now: dt.datetime | None = None) -> bool:
    """Note that a token was used: at most one write a minute per token, not one
    per request. A conditional UPDATE, so concurrent requests write once."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_INTERVAL)
    updated = AccessToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    if updated:
        token.last_used_at = now
    return bool(updated)
