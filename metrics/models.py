from django.conf import settings
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
