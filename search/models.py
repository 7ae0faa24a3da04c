from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    PERSON = "person", _("People")
    POST = "post", _("Posts")
    COMMENT = "comment", _("Comments")
    GROUP = "group", _("Groups")
    HUB = "hub", _("Hub")


class IndexOutbox(models.Model):
    """One change that the search index has not taken yet. Written in the same
    transaction as the change itself, deleted only once the backend accepted it,
    so an index that is down loses nothing: it lags."""

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at", "id"])]
        verbose_name = _("index outbox entry")
        verbose_name_plural = _("index outbox")

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchDocument(models.Model):
    """The database backend's index: one row per searchable object, written only
    by the outbox drain (the same path as Elasticsearch). On PostgreSQL a weighted
    tsvector and trigram indexes serve it; on SQLite the FTS5 table `search_fts`
    shadows it through triggers (see the migrations)."""

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # Scope: the group a post, comment or group belongs to; a comment's post.
    group_id = models.BigIntegerField(null=True, blank=True)
    post_id = models.BigIntegerField(null=True, blank=True)
    author_id = models.BigIntegerField(null=True, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # Facets of people.
    department_id = models.BigIntegerField(null=True, blank=True)
    location = models.CharField(max_length=120, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]
        indexes = [models.Index(fields=["kind", "group_id"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchQueryStat(models.Model):
    """Searches in aggregate only: how often a normalised query was asked on a
    day, never by whom (the per-member participation event has no text)."""

    day = models.DateField()
    query = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="one_stat_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.query} x{self.count}"


class IndexRebuild(models.Model):
    """A full rebuild of one kind is running: drains leave that kind's outbox rows
    alone until the new index is live, so a change made meanwhile is applied to
    the new index after the swap instead of to the old one that is thrown away."""

    kind = models.CharField(max_length=10, choices=DocumentKind.choices, unique=True)
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rebuilding {self.kind} since {self.started_at:%Y-%m-%d %H:%M}"


class ExpertiseStat(models.Model):
    """Expertise evidence of one member on one tag, counted per group, so that
    "find the expert" ranks every holder of a skill in one SQL aggregate
    instead of reading every piece of evidence. Derived data: rebuilt from
    profiles' and feed's rows by `search.services.expertise_stats_refresh`.
    The counts are kept per group (None: company-wide, listed tags and
    endorsements) because who may see them differs per group: the people
    search filters the rows through groups.selectors for each viewer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="+")
    group_id = models.BigIntegerField(null=True, blank=True)
    listed = models.BooleanField(default=False)
    endorsements = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    well_received = models.PositiveIntegerField(default=0)
    topic_member = models.BooleanField(default=False)
    # Seconds since the epoch: both SQLite and PostgreSQL can then compute the
    # recency decay with plain arithmetic at query time.
    last_activity = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tag", "user"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "tag", "group_id"], name="expertise_stat_once"),
            models.UniqueConstraint(
                fields=["user", "tag"],
                condition=models.Q(group_id__isnull=True),
                name="expertise_stat_once_company_wide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.tag_id} in {self.group_id or 'company'}"


class ExpertiseStale(models.Model):
    """A member whose expertise statistics must be recounted: written in the
    transaction of the change (a post, an endorsement, a reaction ...), drained
    after commit by the search task, so a crash between the two loses nothing."""

    user_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"recount {self.user_id}"


class ExpertiseBound(models.Model):
    """The highest score a member can have on a tag for any viewer: every group's
    counts taken as readable (the score only grows with counts). People search
    reads candidates in this order and stops once no unread member could
    outrank the page (threshold algorithm), instead of scoring every holder.
    Derived data, written with ExpertiseStat by the same recount."""

    # The unique (user, tag) and the (tag, bound) index serve both lookups.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    tag = models.ForeignKey(
        "taggit.Tag", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    bound = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["tag", "-bound", "user"], name="expertise_bound_order")]
        constraints = [
            models.UniqueConstraint(fields=["user", "tag"], name="expertise_bound_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.tag_id} at most {self.bound:.3f}"
