"""A small organisation with a known October 2026, shared by the insights and
MT report tests. Every expected number in those tests is counted by hand from
the story below (not copied from the output).

Sales (6): s1..s6; Legal (4): l1..l4, under the five-member rule. Managers: s1,
s2, s3; MT: l1, l2 (five leaders, so their row is shown). n1 and n2 joined in
October through invitations (no department). d1 (Sales) is deactivated.
Everyone else joined on 1 January 2026.

October (all at noon, Europe/Amsterdam):
  1  s1 sends two invitations, l1 one
  2  n1 accepts (joins)            3  n1 visits
  5  s1 posts in Open (#cloud #ai), visits
  6  s2 comments in Open, reads    7  s3 reacts in Closed
  8  s4 reads, visits              9  d1 posts in Open (deactivated since)
 10  l1 posts in Secret (#cloud #merger)
 12  l2 shares the Autumn campaign item on LinkedIn; l3 searches
 13  three LinkedIn clicks on l2's share
 20  s1 posts in Open (#cloud)
 28  n2 accepts (joins)           31  s5 visits
September: s1 posts in Open on the 15th (#ai), s4 visits on the 20th.
November: n1 posts on the 5th.
A deleted post in Open with #cloud on 9 October counts nowhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from feed.models import Post
from groups.models import Visibility
from invites.models import Invitation, Redemption
from metrics.models import EventKind, ParticipationEvent
from metrics.services import rollup_days
from tests.cms.factories import campaign, publish_item
from tests.factories import DepartmentFactory, GroupFactory, PostFactory, UserFactory

ZONE = ZoneInfo("Europe/Amsterdam")
JOINED = dt.datetime(2026, 1, 1, 9, tzinfo=ZONE)
TODAY = dt.date(2026, 11, 20)


def noon(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=ZONE)


@dataclass
class Organisation:
    people: dict
    groups: dict
    item: object


def build_organisation() -> Organisation:
    sales = DepartmentFactory(name="Sales")
    legal = DepartmentFactory(name="Legal")
    people = {}
    for name, department in [
        *((f"s{n}", sales) for n in range(1, 7)),
        *((f"l{n}", legal) for n in range(1, 5)),
        ("d1", sales),
    ]:
        people[name] = UserFactory(
            username=name, date_joined=JOINED, profile__department=department
        )
    for name in ("s1", "s2", "s3"):
        _set_profile(people[name], is_manager=True)
    for name in ("l1", "l2"):
        _set_profile(people[name], is_mt_member=True)
    invitation = Invitation.objects.create(
        inviter=people["s1"], email="n1@buzz.example", expires_at=noon(12, 1), max_uses=2
    )
    for name, day in (("n1", 2), ("n2", 28)):
        people[name] = UserFactory(
            username=name, date_joined=noon(10, day), profile__department=None
        )
        Redemption.objects.create(
            invitation=invitation, user=people[name], created_at=noon(10, day)
        )
    get_user_model().objects.filter(pk=people["d1"].pk).update(is_active=False)

    groups = {
        "open": GroupFactory(name="Open", slug="open"),
        "closed": GroupFactory(name="Closed", slug="closed", visibility=Visibility.CLOSED),
        "secret": GroupFactory(name="Secret", slug="secret", visibility=Visibility.SECRET),
    }
    autumn = campaign("Autumn", "autumn")
    item = publish_item("Autumn vacancy", campaign=autumn)

    def event(who, kind, when, *, group=None, network="", target=None):
        profile = getattr(people[who], "profile", None)
        ParticipationEvent.objects.create(
            actor=people[who],
            kind=kind,
            occurred_at=when,
            department_id=profile.department_id if profile else None,
            group_id=groups[group].pk if group else None,
            network=network,
            object_type="cms.shareableitempage" if target else "",
            object_id=target.pk if target else None,
        )

    def post(who, when, group, tags, *, deleted=False):
        made = PostFactory(
            author=people[who],
            group=groups[group],
            created_at=when,
            deleted_at=when if deleted else None,
        )
        made.hashtags.add(*tags)
        if not deleted:
            event(who, EventKind.POST, when, group=group)

    event("s1", EventKind.INVITE_SENT, noon(10, 1))
    event("s1", EventKind.INVITE_SENT, noon(10, 1))
    event("l1", EventKind.INVITE_SENT, noon(10, 1))
    event("n1", EventKind.INVITE_ACCEPTED, noon(10, 2))
    event("n1", EventKind.VISIT, noon(10, 3))
    post("s1", noon(10, 5), "open", ["cloud", "ai"])
    event("s1", EventKind.VISIT, noon(10, 5))
    event("s2", EventKind.COMMENT, noon(10, 6), group="open")
    event("s2", EventKind.READ, noon(10, 6), group="open")
    event("s3", EventKind.REACT, noon(10, 7), group="closed")
    event("s4", EventKind.READ, noon(10, 8), group="open")
    event("s4", EventKind.VISIT, noon(10, 8))
    post("d1", noon(10, 9), "open", [])
    post("s2", noon(10, 9), "open", ["cloud"], deleted=True)
    post("l1", noon(10, 10), "secret", ["cloud", "merger"])
    event("l2", EventKind.SHARE, noon(10, 12), network="linkedin", target=item)
    event("l3", EventKind.SEARCH, noon(10, 12))
    for _n in range(3):
        event("l2", EventKind.CLICK, noon(10, 13), network="linkedin", target=item)
    post("s1", noon(10, 20), "open", ["cloud"])
    event("n2", EventKind.INVITE_ACCEPTED, noon(10, 28))
    event("s5", EventKind.VISIT, noon(10, 31))
    post("s1", noon(9, 15), "open", ["ai"])
    event("s4", EventKind.VISIT, noon(9, 20))
    post("n1", noon(11, 5), "open", [])
    rollup_days(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    return Organisation(people=people, groups=groups, item=item)


def _set_profile(user, **flags) -> None:
    for key, value in flags.items():
        setattr(user.profile, key, value)
    user.profile.save()


__all__ = ["TODAY", "ZONE", "Organisation", "Post", "build_organisation", "noon"]
