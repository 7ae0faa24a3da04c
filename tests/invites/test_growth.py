"""Growth insight on a known organisation: A invites B; B's link brings C and D;
A's second invitation (to E) is still open."""

import pytest
from django.test import Client

from invites import selectors, services
from profiles.models import Profile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
STRONG = "a-sturdy-passphrase-2026"


def join(token: str, email: str, first: str) -> User:
    return services.member_signup(
        token=token, email=email, first_name=first, last_name="X", password=STRONG
    )


@pytest.fixture
def org(django_capture_on_commit_callbacks):
    a = UserFactory(first_name="Anna", last_name="X")
    _invitation, token_b = services.invitation_link_create(actor=a, max_uses=1)
    b = join(token_b, "b@buzz.example", "Bram")
    _link, token = services.invitation_link_create(actor=b, max_uses=2)
    c = join(token, "c@buzz.example", "Cleo")
    d = join(token, "d@buzz.example", "Dirk")
    services.invitation_send(actor=a, emails=["e@buzz.example"])
    return a, b, c, d


def test_member_counts_sent_accepted_pending(org):
    a, b, _c, _d = org
    assert selectors.inviter_stats_for(a) == selectors.InviterStats(sent=2, accepted=1, pending=1)
    stats_b = selectors.inviter_stats_for(b)
    assert (stats_b.sent, stats_b.accepted, stats_b.pending) == (1, 2, 0)
    assert stats_b.acceptance_rate == 2.0  # one link, two colleagues


def test_tree_depth_month_viral_coefficient_conversion_and_leaders(org):
    a, b, c, d = org
    tree = selectors.invite_tree()
    assert [node.user_id for node in tree] == [a.pk]
    assert [child.user_id for child in tree[0].children] == [b.pk]
    assert [g.user_id for g in tree[0].children[0].children] == sorted([c.pk, d.pk])
    assert selectors.tree_depth(tree) == 2
    (month,) = selectors.growth_by_month()
    assert (month.sent, month.accepted, month.active_inviters) == (3, 3, 2)
    assert month.viral_coefficient == 1.5
    assert selectors.invite_conversion() == {"invited": 3, "signed_up": 3, "active": 3}
    leaders = list(selectors.inviter_leaderboard())
    assert [(row["invitation__inviter_id"], row["accepted"]) for row in leaders] == [
        (b.pk, 2),
        (a.pk, 1),
    ]


def test_growth_page_is_for_community_managers(org, member_client):
    assert member_client.get("/invites/growth/").status_code == 403
    manager = UserFactory()
    Profile.objects.filter(user=manager).update(is_community_manager=True)
    client = Client()
    client.force_login(manager)
    html = client.get("/invites/growth/").content.decode()
    assert "Bram X" in html and "Cleo X" in html and "1.50" in html
    mine = Client()
    mine.force_login(org[1])
    assert "2.00" in mine.get("/invites/").content.decode()  # Bram: one link, two joined
