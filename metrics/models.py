from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    VISIT = "visit", _("visit")
    READ = "read", _("read")
    POST = "post", _("post")
    COMMENT = "comment", _("comment")
    REACT = "react", _("reaction")
    MENTION = "mention", _("mention")
    SHARE = "share", _("share")
    CLICK = "click", _("click")
    INVITE_SENT = "invite_sent", _("invitation sent")
    INVITE_ACCEPTED = "invite_accepted", _("invitation accepted")
    JOIN_GROUP = "join_group", _("joined a group")
    KUDOS = "kudos", _("kudos")
    SEARCH = "search", _("search")
    ENDORSEMENT = "endorsement", _("endorsement")
    FOLLOW = "follow", _("follow")
    PROFILE_COMPLETED = "profile_completed", _("profile completed")
    ACCEPTED_ANSWER = "accepted_answer", _("accepted answer")
    REPORT = "report", _("report")


class ParticipationEvent(models.Model):
    """One meaningful act: who, what, when, where. Append-only; rollups and
    reports are rebuilt from these facts."""

    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The actor's department when it happened: reports follow reorganisations honestly.
    department_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    network = models.CharField(max_length=16, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["occurred_at", "kind"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]
        verbose_name = _("participation event")
        verbose_name_plural = _("participation events")

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class RollupScope(models.TextChoices):
    ALL = "all", _("whole community")
    MEMBER = "member", _("member")
    DEPARTMENT = "department", _("department")
    GROUP = "group", _("group")


class DailyRollup(models.Model):
    """How many events of a metric happened on a day, for the whole community or
    one member, department or group. Rebuilt from the events at any time
    (`metrics_rebuild`); never edited by hand. Metrics are event kinds, and for
    shares and clicks also `share:<network>` / `click:<network>`."""

    day = models.DateField()
    metric = models.CharField(max_length=40)
    scope = models.CharField(max_length=10, choices=RollupScope.choices)
    scope_id = models.BigIntegerField(default=0)  # 0 for the whole community
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "metric", "scope", "scope_id"], name="one_rollup_per_cell"
            )
        ]
        indexes = [models.Index(fields=["scope", "metric", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.scope}:{self.scope_id} = {self.value}"


class Baseline(models.Model):
    """The "zero measurement": a date chosen by a community manager; the
    dashboard and the MT report show progress against the 30 days before it."""

    day = models.DateField(_("baseline date"), unique=True)
    label = models.CharField(_("label"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.label}".strip()


# --- gamification: points, badges, challenges (metrics.gamification) ----------------------

#: Kinds that may earn points, count for badges and drive challenges. Passive acts
#: (visits, reads, searches) and reports never do: rewarding them would reward
#: scrolling and reporting colleagues.
CONTRIBUTION_KINDS = tuple(
    kind
    for kind in EventKind
    if kind not in {EventKind.VISIT, EventKind.READ, EventKind.SEARCH, EventKind.REPORT}
)


class PointsWeight(models.Model):
    """How many points one contribution of a kind earns on the leaderboards. Set
    by admins; a change applies to every ranking once the points are recomputed
    (saving in the admin queues that)."""

    kind = models.CharField(
        _("contribution"),
        max_length=24,
        choices=[(kind.value, kind.label) for kind in CONTRIBUTION_KINDS],
        unique=True,
    )
    points = models.PositiveSmallIntegerField(_("points"), default=0)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("points weight")
        verbose_name_plural = _("points weights")

    def __str__(self) -> str:
        return f"{self.kind}: {self.points}"


class DailyContribution(models.Model):
    """How many contributions of a kind a member made on a day (site time zone),
    as the public rankings count them: never in secret groups, an accepted
    invitation credited to the inviter, an act that can be undone and redone
    counted once per object a day. Rebuilt from the events at any time
    (`gamification_rebuild`); points and badges are derived from it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "kind"], name="one_contribution_count_per_member_day_kind"
            )
        ]
        indexes = [models.Index(fields=["day"]), models.Index(fields=["kind", "user"])]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} by {self.user_id}: {self.count}"


class MemberPoints(models.Model):
    """A member's points this week, this month and in all, derived from the daily
    contributions and the weights. A week or month total counts only while its
    start is the current one: after the turn it is simply not current."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    week_start = models.DateField()
    week_points = models.PositiveIntegerField(default=0)
    month_start = models.DateField()
    month_points = models.PositiveIntegerField(default=0)
    total_points = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["week_start", "-week_points"], name="member_points_week"),
            models.Index(fields=["month_start", "-month_points"], name="member_points_month"),
            models.Index(fields=["-total_points"], name="member_points_total"),
        ]
        verbose_name = _("member points")
        verbose_name_plural = _("member points")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.total_points}"


class RankingPreference(models.Model):
    """A member who is hidden from public rankings: leaderboards and challenge
    rankings leave them out for everyone else; they still see their own figures."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="ranking_preference",
    )
    hidden_from_rankings = models.BooleanField(_("hide me from public rankings"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ranking preference")
        verbose_name_plural = _("ranking preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {'hidden' if self.hidden_from_rankings else 'shown'}"


class Badge(models.Model):
    """A badge and its rule: at least `threshold` contributions of `kind` (as
    DailyContribution counts them), ever. Awarded once per member."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200)
    emoji = models.CharField(_("emoji"), max_length=8, blank=True)
    kind = models.CharField(
        _("contribution"),
        max_length=24,
        choices=[(kind.value, kind.label) for kind in CONTRIBUTION_KINDS],
    )
    threshold = models.PositiveIntegerField(
        _("threshold"),
        validators=[MinValueValidator(1, _("A badge needs at least one contribution."))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")

    def __str__(self) -> str:
        return f"{self.emoji} {self.name}".strip()


class BadgeAward(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards"
    )
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "badge"], name="one_award_per_member_badge")
        ]
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")

    def __str__(self) -> str:
        return f"{self.badge_id} for {self.user_id}"


class ChallengeMetric(models.TextChoices):
    SHARE = EventKind.SHARE.value, _("hub shares")
    INVITE_SENT = EventKind.INVITE_SENT.value, _("invitations sent")
    INVITE_ACCEPTED = EventKind.INVITE_ACCEPTED.value, _("colleagues who joined on your invitation")
    POST = EventKind.POST.value, _("posts")
    COMMENT = EventKind.COMMENT.value, _("comments")
    KUDOS = EventKind.KUDOS.value, _("kudos given")
    ACCEPTED_ANSWER = EventKind.ACCEPTED_ANSWER.value, _("accepted answers")


CHALLENGE_MAX_WEEKS = 26


class Challenge(models.Model):
    """A time-boxed challenge run by a community manager: members opt in and
    are ranked by their contributions of one kind from the first day to the
    last day (inclusive, site time zone); every `reward_every` of them earns
    the reward."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    metric = models.CharField(_("what counts"), max_length=24, choices=ChallengeMetric.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reward_every = models.PositiveIntegerField(
        _("reward every"),
        help_text=_("For example 30: every 30 shares earn the reward."),
        validators=[MinValueValidator(1, _("The reward needs at least 1 contribution."))],
    )
    reward_text = models.CharField(
        _("reward"), max_length=120, help_text=_("For example: a lunch with the team.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["ends_on", "starts_on"])]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on:
            if self.ends_on < self.starts_on:
                raise ValidationError(
                    {"ends_on": _("The last day cannot be before the first day.")}
                )
            if (self.ends_on - self.starts_on).days + 1 > CHALLENGE_MAX_WEEKS * 7:
                raise ValidationError(
                    {
                        "ends_on": _("A challenge lasts at most %(weeks)s weeks.")
                        % {"weeks": CHALLENGE_MAX_WEEKS}
                    }
                )


class ChallengeEntry(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_entry_per_challenge")
        ]
        verbose_name = _("challenge entry")
        verbose_name_plural = _("challenge entries")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.challenge_id}"


class ReportDelivery(models.Model):
    """A monthly MT report e-mailed to the MT list: at most once per month
    when sent by the scheduler (`mt_report --email --once`)."""

    month = models.CharField(max_length=7, unique=True)  # YYYY-MM
    recipients = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("MT report delivery")
        verbose_name_plural = _("MT report deliveries")

    def __str__(self) -> str:
        return f"{self.month} to {self.recipients}"
