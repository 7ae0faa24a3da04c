import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag


class User(AbstractUser):
    """The account. Everything a colleague shows of themself lives on Profile."""

    email = models.EmailField(_("email address"), unique=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # Mentions typed in another case (feed.rendering) match username__iexact,
            # which PostgreSQL runs as UPPER("username"::text) = UPPER(...).
            models.Index(Upper("username"), name="profiles_user_username_upper"),
        ]


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class AmbassadorRole(models.TextChoices):
    SOCIAL_MASTER = "social_master", _("Social master")
    SOCIAL_EDITOR = "social_editor", _("Social editor")
    SOCIAL_CREATOR = "social_creator", _("Social creator")
    SOCIAL_PUBLISHER = "social_publisher", _("Social publisher")


class _HostValidator:
    """An https URL on one of the network's own hosts (or a subdomain of one)."""

    def __init__(self, *hosts: str) -> None:
        self.hosts = hosts

    def __call__(self, value: str) -> None:
        wrong = ValidationError(
            _("Enter an https:// link on %(hosts)s."),
            code="wrong_host",
            params={"hosts": " / ".join(self.hosts)},
        )
        if not value.lower().startswith("https://"):
            raise wrong
        URLValidator(schemes=["https"])(value)
        host = (value.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]).lower()
        if not any(host == h or host.endswith("." + h) for h in self.hosts):
            raise wrong

    def __eq__(self, other: object) -> bool:
        # Migrations compare validators; equal hosts mean an equal validator.
        return isinstance(other, _HostValidator) and self.hosts == other.hosts

    def deconstruct(self):
        return ("profiles.models._HostValidator", self.hosts, {})


def photo_path(instance: "Profile", filename: str) -> str:
    # A random name: the member's original file name never leaks into a URL.
    suffix = PurePosixPath(filename).suffix.lower() or ".webp"
    return f"profiles/photos/{uuid.uuid4().hex}{suffix}"


class Profile(models.Model):
    """What colleagues see of a member: who they are and what they know."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("department"),
    )
    location = models.CharField(_("location / office"), max_length=120, blank=True)
    location_visible = models.BooleanField(_("show my location to colleagues"), default=True)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Private by default: a phone number is shown only when the member opts in.
    phone_visible = models.BooleanField(_("show my phone number to colleagues"), default=False)
    chat_handle = models.CharField(_("chat handle"), max_length=80, blank=True)
    languages_spoken = models.CharField(
        _("languages spoken"),
        max_length=200,
        blank=True,
        help_text=_("Separate languages with commas, e.g. English, Dutch."),
    )
    about = models.TextField(
        _("about me"), blank=True, max_length=5000, help_text=_("Markdown is supported.")
    )
    ask_me_about = models.CharField(_("ask me about"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    linkedin_url = models.URLField(
        _("LinkedIn"), blank=True, validators=[_HostValidator("linkedin.com")]
    )
    x_url = models.URLField(_("X"), blank=True, validators=[_HostValidator("x.com", "twitter.com")])
    facebook_url = models.URLField(
        _("Facebook"), blank=True, validators=[_HostValidator("facebook.com")]
    )
    github_url = models.URLField(_("GitHub"), blank=True, validators=[_HostValidator("github.com")])
    website_url = models.URLField(
        _("website"), blank=True, validators=[URLValidator(schemes=["https", "http"])]
    )
    # Renditions made by services.profile_photo_set from a checked upload; the
    # original upload is never stored (it may carry EXIF location data).
    photo_avatar = models.ImageField(_("photo (avatar)"), upload_to=photo_path, blank=True)
    photo_page = models.ImageField(_("photo (profile page)"), upload_to=photo_path, blank=True)
    expertise = TaggableManager(_("expertise"), blank=True)
    # Flags set by admins only (never in the member's own edit form).
    is_manager = models.BooleanField(_("manager"), default=False)
    is_mt_member = models.BooleanField(_("management team member"), default=False)
    is_community_manager = models.BooleanField(_("community manager"), default=False)
    ambassador_role = models.CharField(
        _("ambassador role"), max_length=20, choices=AmbassadorRole.choices, blank=True
    )
    completed_at = models.DateTimeField(_("profile completed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["display_name", "id"])]
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name

    @property
    def languages_list(self) -> list[str]:
        return [part.strip() for part in self.languages_spoken.split(",") if part.strip()]

    @property
    def social_links(self) -> list[tuple[str, str]]:
        """(network label, url) for the links the member filled in."""
        fields = ["linkedin_url", "x_url", "facebook_url", "github_url", "website_url"]
        return [
            (str(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in fields
            if getattr(self, name)
        ]


class TagSynonym(models.Model):
    """A spelling that an admin merged into a canonical expertise tag; future
    input with this spelling maps to the canonical tag."""

    # Casefolded, whitespace-collapsed: the key that input is looked up by.
    key = models.CharField(_("synonym"), max_length=100, unique=True)
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="synonyms", verbose_name=_("canonical tag")
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("tag synonym")
        verbose_name_plural = _("tag synonyms")

    def __str__(self) -> str:
        return f"{self.key} → {self.tag.name}"


class Endorsement(models.Model):
    """A colleague vouches for one of a member's expertise tags."""

    endorser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_given"
    )
    endorsed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements_received"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="endorsements")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endorser", "endorsed", "tag"], name="one_endorsement_per_person_and_tag"
            ),
            models.CheckConstraint(
                condition=~Q(endorser=F("endorsed")),
                name="no_self_endorsement",
                violation_error_message=_("You cannot endorse your own expertise."),
            ),
        ]
        indexes = [models.Index(fields=["endorsed", "tag"])]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")

    def __str__(self) -> str:
        return f"{self.endorser_id} endorses {self.endorsed_id} for {self.tag_id}"


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(
                condition=~Q(follower=F("followed")),
                name="no_self_follow",
                violation_error_message=_("You cannot follow yourself."),
            ),
        ]
        indexes = [
            models.Index(fields=["followed", "-created_at", "-id"]),
            models.Index(fields=["follower", "-created_at", "-id"]),
        ]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class KudosCategory(models.TextChoices):
    HELPFUL = "helpful", _("Helpful")
    TEAM_PLAYER = "team_player", _("Team player")
    GREAT_IDEA = "great_idea", _("Great idea")
    ABOVE_AND_BEYOND = "above_and_beyond", _("Above and beyond")
    THANK_YOU = "thank_you", _("Thank you")


KUDOS_MESSAGE_MAX = 280


class Kudos(models.Model):
    """Public thanks from one colleague to another. Shown on the receiver's
    profile; the feed (issue 6) lists them from here."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_given"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_received"
    )
    category = models.CharField(_("category"), max_length=20, choices=KudosCategory.choices)
    message = models.CharField(_("message"), max_length=KUDOS_MESSAGE_MAX)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(giver=F("receiver")),
                name="no_kudos_to_self",
                violation_error_message=_("You cannot give kudos to yourself."),
            ),
        ]
        indexes = [models.Index(fields=["receiver", "-created_at", "-id"])]
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")

    def __str__(self) -> str:
        return f"{self.get_category_display()} from {self.giver_id} to {self.receiver_id}"


class EvidenceKind(models.TextChoices):
    POST_TAGGED = "post_tagged", _("post tagged")
    ACCEPTED_ANSWER = "accepted_answer", _("accepted answer")


class ExpertiseEvidence(models.Model):
    """Activity that shows a member knows a topic; search (issue 7) ranks
    experts by it together with endorsements."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expertise_evidence"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    # The post or comment that is the evidence (a plain id: feed owns those rows).
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tag", "kind", "object_id"], name="evidence_once"
            )
        ]
        indexes = [models.Index(fields=["tag", "user"])]
        verbose_name = _("expertise evidence")
        verbose_name_plural = _("expertise evidence")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.user_id} on {self.tag_id}"


class DeletionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class DeletionRequest(models.Model):
    """A member asks for their account to be deleted; an admin confirms it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletion_requests"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=DeletionState.choices, default=DeletionState.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state="pending"),
                name="one_pending_deletion_request",
            )
        ]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_state_display()})"


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read write", _("Read and write")


TOKEN_PREFIX = "buzz_"


class AccessToken(models.Model):
    """A member's personal access token for the API (`Authorization: Bearer
    buzz_...`). Only the SHA-256 of the secret is stored: the secret itself is
    shown once, when the token is made, and cannot be recovered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters of the secret ("buzz_AbC123xY"): enough for the
    # member to recognise a token, far too few to guess the rest.
    prefix = models.CharField(_("prefix"), max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"])]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
