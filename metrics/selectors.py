from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.selectors import campaign_names_of_items, network_labels
from feed.models import Post
from groups.selectors import groups_in_reports, not_in_secret_group
from invites.selectors import joined_through_invitation
from profiles.models import Department, Profile
from profiles.selectors import department_ids_with_members

from .days import day_bounds
from .models import Baseline, DailyRollup, EventKind, ParticipationEvent, RollupScope


def may_read_insights(user) -> bool:
    """Community managers, MT members and staff read metrics."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    profile = getattr(user, "profile", None)
    return bool(profile and (profile.is_community_manager or profile.is_mt_member))


def may_set_baseline(user) -> bool:
    """Community managers and staff choose the zero measurement."""
    if not user.is_authenticated:
        return False
    profile = getattr(user, "profile", None)
    return user.is_staff or bool(profile and profile.is_community_manager)


# --- the leadership board ------------------------------------------------------------------

LEADERSHIP_KINDS = (EventKind.POST, EventKind.COMMENT, EventKind.KUDOS, EventKind.SHARE)
TEAM_MINIMUM = 5  # like departments: no figures about fewer than five people


@dataclass
class LeaderRow:
    profile: Profile
    posts: int = 0
    comments: int = 0
    kudos: int = 0
    shares: int = 0

    @property
    def total(self) -> int:
        return self.posts + self.comments + self.kudos + self.shares


@dataclass
class TeamFigures:
    size: int
    active: int = 0
    posts: int = 0
    comments: int = 0
    kudos: int = 0
    shares: int = 0

    @property
    def shown(self) -> bool:
        return self.size >= TEAM_MINIMUM


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _counts(actor_ids, since: dt.datetime) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for row in (
        ParticipationEvent.objects.filter(
            actor_id__in=actor_ids, kind__in=LEADERSHIP_KINDS, occurred_at__gte=since
        )
        .filter(not_in_secret_group())
        .values("actor_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["actor_id"], {})[row["kind"]] = row["n"]
    return counts


def leadership_board(*, now: dt.datetime | None = None) -> list[LeaderRow]:
    """Every active MT member and manager with this month's posts, comments,
    kudos given and shares, most active first: shown to all members, so leaders
    visibly take part. Read live from the month's events (indexed by actor and
    time), three queries whatever the number of leaders."""
    leaders = list(
        Profile.objects.filter(Q(is_mt_member=True) | Q(is_manager=True), user__is_active=True)
        .select_related("user", "department")
        .order_by("display_name", "pk")
    )
    counts = _counts([leader.user_id for leader in leaders], month_start(now))
    rows = []
    for leader in leaders:
        mine = counts.get(leader.user_id, {})
        rows.append(
            LeaderRow(
                profile=leader,
                posts=mine.get(EventKind.POST, 0),
                comments=mine.get(EventKind.COMMENT, 0),
                kudos=mine.get(EventKind.KUDOS, 0),
                shares=mine.get(EventKind.SHARE, 0),
            )
        )
    return sorted(rows, key=lambda row: (-row.total, row.profile.display_name, row.profile.pk))


def team_figures_for(manager, *, now: dt.datetime | None = None) -> TeamFigures | None:
    """A manager's direct reports together this month (never per person), from
    five reports on; None for someone who manages nobody."""
    profile = getattr(manager, "profile", None)
    if profile is None:
        return None
    reports = list(
        Profile.objects.filter(manager=profile, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if not reports:
        return None
    figures = TeamFigures(size=len(reports))
    if not figures.shown:
        return figures
    counts = _counts(reports, month_start(now))
    figures.active = len(counts)
    for mine in counts.values():
        figures.posts += mine.get(EventKind.POST, 0)
        figures.comments += mine.get(EventKind.COMMENT, 0)
        figures.kudos += mine.get(EventKind.KUDOS, 0)
        figures.shares += mine.get(EventKind.SHARE, 0)
    return figures


# --- insights: the dashboard and the monthly MT report -----------------------------------
#
# Every figure below is read from DailyRollup (rebuilt from the events by
# metrics_rebuild), except what the rollups cannot know: hashtags of posts, the
# invitation cohort's join dates and which campaign a hub item belongs to. The
# definitions are in docs/insights.md.

DEPARTMENT_MINIMUM = 5  # DESIGN.md: no department figures about fewer than five people
# A click is a stranger's act credited to the sharer: it does not make anyone active.
ACTIVITY_METRICS = tuple(kind for kind in EventKind.values if kind != EventKind.CLICK)
CREATOR_METRICS = (EventKind.POST,)
CONTRIBUTOR_METRICS = (
    EventKind.COMMENT,
    EventKind.REACT,
    EventKind.KUDOS,
    EventKind.ENDORSEMENT,
    EventKind.SHARE,
    EventKind.ACCEPTED_ANSWER,
)
HEADLINE_METRICS = (
    EventKind.POST,
    EventKind.COMMENT,
    EventKind.REACT,
    EventKind.KUDOS,
    EventKind.SHARE,
    EventKind.CLICK,
    EventKind.INVITE_SENT,
    EventKind.INVITE_ACCEPTED,
    EventKind.SEARCH,
)
RETENTION_DAYS = 30


@dataclass(frozen=True)
class Period:
    """Days `first`..`last`, both included, in the site's time zone."""

    first: dt.date
    last: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1))

    @classmethod
    def parse_month(cls, text: str) -> Period:
        """`2026-10` -> October 2026; ValueError for anything else."""
        try:
            year, month = (int(part) for part in text.split("-"))
            return cls.month(year, month)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a month (YYYY-MM): {text!r}") from exc

    @classmethod
    def days_until(cls, last: dt.date, days: int = 30) -> Period:
        return cls(last - dt.timedelta(days=days - 1), last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def is_month(self) -> bool:
        whole = Period.month(self.first.year, self.first.month)
        return self.first == whole.first and self.last == whole.last

    def previous(self) -> Period:
        if self.is_month:
            before = self.first - dt.timedelta(days=1)
            return Period.month(before.year, before.month)
        return Period.days_until(self.first - dt.timedelta(days=1), self.days)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.first, self.last)

    def __str__(self) -> str:
        if self.is_month:
            return self.first.strftime("%Y-%m")
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"


def _member_rollups(period: Period):
    """Member rows of the period; deactivated members count nowhere."""
    return DailyRollup.objects.filter(
        scope=RollupScope.MEMBER,
        day__gte=period.first,
        day__lte=period.last,
        scope_id__in=get_user_model().objects.filter(is_active=True).values("pk"),
    )


def _sum(metrics) -> Sum:
    return Sum("value", filter=Q(metric__in=list(metrics)))


@dataclass(frozen=True)
class MemberActivity:
    active: int = 0
    created: int = 0
    contributed: int = 0
    read: int = 0
    reacted: int = 0
    commented: int = 0


def member_activity(period: Period) -> dict[int, MemberActivity]:
    """Per member who did anything in the period: sums of what they did. One
    grouped query over the member rollups, one row per active member."""
    rows = (
        _member_rollups(period)
        .values("scope_id")
        .annotate(
            active=_sum(ACTIVITY_METRICS),
            created=_sum(CREATOR_METRICS),
            contributed=_sum(CONTRIBUTOR_METRICS),
            read=_sum([EventKind.READ]),
            reacted=_sum([EventKind.REACT]),
            commented=_sum([EventKind.COMMENT]),
        )
        .filter(active__gt=0)
        .order_by()
    )
    return {
        row["scope_id"]: MemberActivity(
            **{key: row[key] or 0 for key in MemberActivity.__dataclass_fields__}
        )
        for row in rows
    }


@dataclass(frozen=True)
class Member:
    user_id: int
    department_id: int | None
    leads: bool  # a manager or MT member


def population(period: Period) -> list[Member]:
    """The members counted in a period: active accounts that had joined by its
    last day (deactivated members are neither active nor inactive)."""
    _start, end = period.bounds()
    return [
        Member(user_id, department_id, bool(manager or mt))
        for user_id, department_id, manager, mt in get_user_model()
        .objects.filter(is_active=True, date_joined__lt=end)
        .values_list("pk", "profile__department_id", "profile__is_manager", "profile__is_mt_member")
        .order_by("pk")
    ]


@dataclass(frozen=True)
class Engagement:
    daily: list[tuple[dt.date, int]]  # every day of the period, zeros included
    weekly: list[tuple[dt.date, int]]  # distinct members per week (weeks start on Monday)
    dau: float  # average daily active members
    wau: int  # active in the period's last 7 days
    mau: int  # active in the period

    @property
    def stickiness(self) -> float:
        return self.dau / self.mau if self.mau else 0.0


def engagement(period: Period, activity: dict[int, MemberActivity] | None = None) -> Engagement:
    active = _member_rollups(period).filter(metric__in=ACTIVITY_METRICS)
    per_day = dict(
        active.values("day").annotate(n=Count("scope_id", distinct=True)).values_list("day", "n")
    )
    daily = [
        (day, per_day.get(day, 0))
        for day in (period.first + dt.timedelta(days=n) for n in range(period.days))
    ]
    weekly = list(
        active.annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(n=Count("scope_id", distinct=True))
        .order_by("week")
        .values_list("week", "n")
    )
    last_week = max(period.first, period.last - dt.timedelta(days=6))
    wau = active.filter(day__gte=last_week).values("scope_id").distinct().count()
    mau = len(activity) if activity is not None else len(member_activity(period))
    return Engagement(
        daily=daily,
        weekly=[(_as_date(week), n) for week, n in weekly],
        dau=sum(n for _day, n in daily) / period.days,
        wau=wau,
        mau=mau,
    )


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class Pyramid:
    creators: int
    contributors: int
    readers: int
    inactive: int

    @property
    def population(self) -> int:
        return self.creators + self.contributors + self.readers + self.inactive

    def share(self, level: str) -> float:
        return getattr(self, level) / self.population if self.population else 0.0


def _pyramid(members: list[Member], activity: dict[int, MemberActivity]) -> Pyramid:
    creators = contributors = readers = inactive = 0
    for member in members:
        did = activity.get(member.user_id)
        if did is None:
            inactive += 1
        elif did.created:
            creators += 1
        elif did.contributed:
            contributors += 1
        else:
            readers += 1
    return Pyramid(creators, contributors, readers, inactive)


@dataclass(frozen=True)
class FunnelRow:
    """Members of one department (or the leaders, or everyone) and how far
    they went: visited (did anything) -> read (read, reacted, commented or
    posted) -> reacted (reacted or commented) -> posted."""

    label: str
    headcount: int
    visited: int
    read: int
    reacted: int
    posted: int
    pyramid: Pyramid

    @property
    def active_share(self) -> float:
        return self.visited / self.headcount if self.headcount else 0.0


def _funnel_row(label: str, members: list[Member], activity) -> FunnelRow:
    visited = read = reacted = posted = 0
    for member in members:
        did = activity.get(member.user_id)
        if did is None:
            continue
        visited += 1
        read += bool(did.read or did.reacted or did.commented or did.created)
        reacted += bool(did.reacted or did.commented)
        posted += bool(did.created)
    return FunnelRow(
        label, len(members), visited, read, reacted, posted, _pyramid(members, activity)
    )


@dataclass(frozen=True)
class Participation:
    everyone: FunnelRow
    leaders: FunnelRow | None  # None under five managers and MT members
    departments: list[FunnelRow]  # departments of at least five members, by active share
    departments_hidden: int  # departments left out by the five-member rule


def participation(
    period: Period,
    members: list[Member] | None = None,
    activity: dict[int, MemberActivity] | None = None,
) -> Participation:
    members = population(period) if members is None else members
    activity = member_activity(period) if activity is None else activity
    by_department: dict[int, list[Member]] = defaultdict(list)
    for member in members:
        if member.department_id is not None:
            by_department[member.department_id].append(member)
    names = dict(Department.objects.filter(pk__in=list(by_department)).values_list("pk", "name"))
    shown = {pk: rows for pk, rows in by_department.items() if len(rows) >= DEPARTMENT_MINIMUM}
    departments = sorted(
        (_funnel_row(names[pk], rows, activity) for pk, rows in shown.items()),
        key=lambda row: (-row.active_share, row.label),
    )
    leaders = [member for member in members if member.leads]
    return Participation(
        everyone=_funnel_row(gettext("Everyone"), members, activity),
        leaders=_funnel_row(gettext("Managers and MT"), leaders, activity)
        if len(leaders) >= DEPARTMENT_MINIMUM
        else None,
        departments=departments,
        departments_hidden=len(by_department) - len(shown),
    )


@dataclass(frozen=True)
class GroupRow:
    name: str
    slug: str
    posts: int
    comments: int
    reactions: int

    @property
    def total(self) -> int:
        return self.posts + self.comments + self.reactions


def top_groups(period: Period, *, limit: int = 10) -> list[GroupRow]:
    """The liveliest groups by posts, comments and reactions; never a secret one."""
    rows = (
        DailyRollup.objects.filter(
            scope=RollupScope.GROUP,
            day__gte=period.first,
            day__lte=period.last,
            scope_id__in=groups_in_reports().values("pk"),
        )
        .values("scope_id")
        .annotate(
            posts=_sum([EventKind.POST]),
            comments=_sum([EventKind.COMMENT]),
            reactions=_sum([EventKind.REACT]),
        )
        .order_by()
    )
    figures = {
        row["scope_id"]: (row["posts"] or 0, row["comments"] or 0, row["reactions"] or 0)
        for row in rows
    }
    groups = {
        pk: (name, slug)
        for pk, name, slug in groups_in_reports()
        .filter(pk__in=list(figures))
        .values_list("pk", "name", "slug")
    }
    ranked = sorted(
        (
            GroupRow(*groups[pk], *figures[pk])
            for pk in figures
            if pk in groups and sum(figures[pk])
        ),
        key=lambda row: (-row.total, row.name),
    )
    return ranked[:limit]


@dataclass(frozen=True)
class HashtagRow:
    name: str
    posts: int
    previous: int

    @property
    def growth(self) -> int:
        return self.posts - self.previous


def _hashtag_counts(period: Period) -> dict[str, int]:
    start, end = period.bounds()
    return dict(
        Post.objects.filter(
            not_in_secret_group(),
            created_at__gte=start,
            created_at__lt=end,
            deleted_at__isnull=True,
            hashtags__isnull=False,
        )
        .values("hashtags__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("hashtags__name", "n")
    )


def trending_hashtags(period: Period, *, limit: int = 10) -> list[HashtagRow]:
    """Hashtags on most posts in the period (never counting secret groups),
    with the previous period of the same length beside them."""
    now, before = _hashtag_counts(period), _hashtag_counts(period.previous())
    rows = [HashtagRow(name, n, before.get(name, 0)) for name, n in now.items()]
    return sorted(rows, key=lambda row: (-row.posts, -row.growth, row.name.lower()))[:limit]


@dataclass(frozen=True)
class InviteFunnel:
    sent: int
    accepted: int
    inviters: int
    cohort: int  # joined through an invitation in the period
    retained: int  # ... and still took part 30 days or more after joining
    too_recent: int  # ... joined less than 30 days before today: not known yet

    @property
    def viral_coefficient(self) -> float:
        """Colleagues brought in per member who invited (as invites.selectors)."""
        return self.accepted / self.inviters if self.inviters else 0.0

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.sent if self.sent else 0.0


def invite_funnel(period: Period, *, today: dt.date | None = None) -> InviteFunnel:
    today = today or timezone.localdate()
    totals = _community_sums(period, [EventKind.INVITE_SENT, EventKind.INVITE_ACCEPTED])
    inviters = (
        _member_rollups(period)
        .filter(metric=EventKind.INVITE_SENT)
        .values("scope_id")
        .distinct()
        .count()
    )
    cohort = [
        (user_id, timezone.localtime(joined).date())
        for user_id, joined in joined_through_invitation(*period.bounds())
    ]
    last_seen = dict(
        DailyRollup.objects.filter(
            scope=RollupScope.MEMBER,
            scope_id__in=[user_id for user_id, _joined in cohort],
            metric__in=ACTIVITY_METRICS,
        )
        .values("scope_id")
        .annotate(last=Max("day"))
        .order_by()
        .values_list("scope_id", "last")
    )
    due = dt.timedelta(days=RETENTION_DAYS)
    too_recent = sum(1 for _user, joined in cohort if joined + due > today)
    retained = sum(
        1
        for user_id, joined in cohort
        if joined + due <= today and last_seen.get(user_id, dt.date.min) >= joined + due
    )
    return InviteFunnel(
        sent=totals.get(EventKind.INVITE_SENT, 0),
        accepted=totals.get(EventKind.INVITE_ACCEPTED, 0),
        inviters=inviters,
        cohort=len(cohort),
        retained=retained,
        too_recent=too_recent,
    )


def _community_sums(period: Period, metrics) -> dict[str, int]:
    return dict(
        DailyRollup.objects.filter(
            scope=RollupScope.ALL,
            scope_id=0,
            day__gte=period.first,
            day__lte=period.last,
            metric__in=list(metrics),
        )
        .values("metric")
        .annotate(n=Sum("value"))
        .order_by()
        .values_list("metric", "n")
    )


@dataclass(frozen=True)
class HubRow:
    label: str
    shares: int
    clicks: int

    @property
    def clicks_per_share(self) -> float:
        return self.clicks / self.shares if self.shares else 0.0


@dataclass(frozen=True)
class HubFigures:
    networks: list[HubRow]
    campaigns: list[HubRow]

    @property
    def shares(self) -> int:
        return sum(row.shares for row in self.networks)

    @property
    def clicks(self) -> int:
        return sum(row.clicks for row in self.networks)


def hub_figures(period: Period) -> HubFigures:
    """Shares and clicks on shared hub items per network (from the rollups) and
    per campaign (from the period's share and click events)."""
    labels = network_labels()
    sums = (
        DailyRollup.objects.filter(
            scope=RollupScope.ALL,
            scope_id=0,
            day__gte=period.first,
            day__lte=period.last,
            metric__regex=r"^(share|click):",
        )
        .values("metric")
        .annotate(n=Sum("value"))
        .order_by()
    )
    per_network: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in sums:
        kind, network = row["metric"].split(":", 1)
        per_network[network][0 if kind == EventKind.SHARE else 1] += row["n"]
    networks = sorted(
        (HubRow(labels.get(net, net), *figures) for net, figures in per_network.items()),
        key=lambda row: (-row.shares, -row.clicks, row.label),
    )
    start, end = period.bounds()
    per_item = (
        ParticipationEvent.objects.filter(
            occurred_at__gte=start,
            occurred_at__lt=end,
            kind__in=[EventKind.SHARE, EventKind.CLICK],
            object_type="cms.shareableitempage",
        )
        .values("object_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_item = list(per_item)
    campaign_of = campaign_names_of_items({row["object_id"] for row in per_item})
    per_campaign: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in per_item:
        campaign = campaign_of.get(row["object_id"])
        if campaign:
            per_campaign[campaign][0 if row["kind"] == EventKind.SHARE else 1] += row["n"]
    campaigns = sorted(
        (HubRow(name, *figures) for name, figures in per_campaign.items()),
        key=lambda row: (-row.clicks, -row.shares, row.label),
    )
    return HubFigures(networks=networks, campaigns=campaigns)


@dataclass(frozen=True)
class Headline:
    """The figures compared month to month and against the baseline."""

    period: Period
    members: int
    active: int
    dau: float
    creators: int
    contributors: int
    posts: int
    comments: int
    reactions: int
    kudos: int
    shares: int
    clicks: int
    invites_accepted: int
    searches: int

    @property
    def active_share(self) -> float:
        return self.active / self.members if self.members else 0.0

    @property
    def stickiness(self) -> float:
        return self.dau / self.active if self.active else 0.0


HEADLINE_FIELDS = (
    ("members", _("Members")),
    ("active", _("Active members")),
    ("active_share", _("Active share")),
    ("dau", _("Daily active (average)")),
    ("stickiness", _("Stickiness (DAU/MAU)")),
    ("creators", _("Creators")),
    ("contributors", _("Contributors")),
    ("posts", _("Posts")),
    ("comments", _("Comments")),
    ("reactions", _("Reactions")),
    ("kudos", _("Kudos")),
    ("shares", _("Hub shares")),
    ("clicks", _("Clicks on shares")),
    ("invites_accepted", _("Invitations accepted")),
    ("searches", _("Searches")),
)
RATIO_FIELDS = {"active_share", "stickiness"}


def headline(
    period: Period,
    members: list[Member] | None = None,
    activity: dict[int, MemberActivity] | None = None,
    engaged: Engagement | None = None,
) -> Headline:
    members = population(period) if members is None else members
    activity = member_activity(period) if activity is None else activity
    engaged = engagement(period, activity) if engaged is None else engaged
    counted = {member.user_id for member in members}
    pyramid = _pyramid(members, activity)
    sums = _community_sums(period, HEADLINE_METRICS)
    return Headline(
        period=period,
        members=len(members),
        active=sum(1 for user_id in activity if user_id in counted),
        dau=engaged.dau,
        creators=pyramid.creators,
        contributors=pyramid.contributors,
        posts=sums.get(EventKind.POST, 0),
        comments=sums.get(EventKind.COMMENT, 0),
        reactions=sums.get(EventKind.REACT, 0),
        kudos=sums.get(EventKind.KUDOS, 0),
        shares=sums.get(EventKind.SHARE, 0),
        clicks=sums.get(EventKind.CLICK, 0),
        invites_accepted=sums.get(EventKind.INVITE_ACCEPTED, 0),
        searches=sums.get(EventKind.SEARCH, 0),
    )


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    now: float
    before: float | None  # previous period
    baseline: float | None

    @property
    def is_ratio(self) -> bool:
        return self.key in RATIO_FIELDS

    @staticmethod
    def _change(now: float, then: float | None) -> float | None:
        if then is None or then == 0:
            return None
        return (now - then) / then

    @property
    def change_from_before(self) -> float | None:
        return self._change(self.now, self.before)

    @property
    def change_from_baseline(self) -> float | None:
        return self._change(self.now, self.baseline)


def compare(now: Headline, before: Headline | None, baseline: Headline | None) -> list[Comparison]:
    return [
        Comparison(
            key,
            str(label),
            getattr(now, key),
            getattr(before, key) if before else None,
            getattr(baseline, key) if baseline else None,
        )
        for key, label in HEADLINE_FIELDS
    ]


def current_baseline() -> Baseline | None:
    return Baseline.objects.order_by("-day", "-pk").first()


def baseline_period(baseline: Baseline) -> Period:
    """The zero measurement: the 30 days up to and including the chosen date."""
    return Period.days_until(baseline.day, 30)


@dataclass(frozen=True)
class Insights:
    period: Period
    engagement: Engagement
    pyramid: Pyramid
    participation: Participation
    top_groups: list[GroupRow]
    hashtags: list[HashtagRow]
    invites: InviteFunnel
    hub: HubFigures
    headline: Headline
    previous: Headline
    baseline: Baseline | None
    baseline_headline: Headline | None
    comparisons: list[Comparison]


def insights_for(period: Period, *, today: dt.date | None = None) -> Insights:
    """Everything the dashboard and the MT report show for one period."""
    members = population(period)
    activity = member_activity(period)
    engaged = engagement(period, activity)
    now = headline(period, members, activity, engaged)
    before = headline(period.previous())
    baseline = current_baseline()
    at_baseline = headline(baseline_period(baseline)) if baseline else None
    return Insights(
        period=period,
        engagement=engaged,
        pyramid=_pyramid(members, activity),
        participation=participation(period, members, activity),
        top_groups=top_groups(period),
        hashtags=trending_hashtags(period),
        invites=invite_funnel(period, today=today),
        hub=hub_figures(period),
        headline=now,
        previous=before,
        baseline=baseline,
        baseline_headline=at_baseline,
        comparisons=compare(now, before, at_baseline),
    )


# --- the reporting API's rows -------------------------------------------------------------

EXPOSED_SCOPES = (RollupScope.ALL, RollupScope.DEPARTMENT, RollupScope.GROUP)


def rollups_for_report(
    *,
    since: dt.date,
    until: dt.date,
    metrics: list[str],
    scope: str | None = None,
    scope_id: int | None = None,
) -> QuerySet[DailyRollup]:
    """Daily rollups a report may show: the whole community; departments only
    with at least DEPARTMENT_MINIMUM active members; groups only when
    groups.selectors.groups_in_reports allows (never secret ones); never one member.
    A small department or a secret group gives no rows, exactly like one that
    does not exist. One query, whatever the page size.
    """
    rows = DailyRollup.objects.filter(
        day__gte=since, day__lte=until, scope__in=[scope] if scope else EXPOSED_SCOPES
    )
    if metrics:
        rows = rows.filter(metric__in=metrics)
    if scope_id is not None:
        rows = rows.filter(scope_id=scope_id)
    big_enough = department_ids_with_members(DEPARTMENT_MINIMUM)
    reportable_groups = groups_in_reports().values("pk")
    return rows.filter(
        ~Q(scope=RollupScope.DEPARTMENT) | Q(scope_id__in=big_enough),
        ~Q(scope=RollupScope.GROUP) | Q(scope_id__in=reportable_groups),
    )
