"""The profile page: everything about a colleague that the viewer may see, in
a constant number of queries."""

import pytest

from groups.models import Visibility
from profiles.models import AmbassadorRole
from profiles.services import endorsement_create, profile_expertise_set
from tests.factories import GroupFactory, MembershipFactory, PostFactory
from tests.helpers import assert_constant_query_count
from tests.profiles.factories import (
    EndorsementFactory,
    FollowFactory,
    KudosFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_profile_shows_the_members_details_roles_and_links(client_for):
    member = UserFactory()
    profile = member.profile
    profile.job_title = "Platform engineer"
    profile.ask_me_about = "on-call rotas"
    profile.languages_spoken = "English, Dutch"
    profile.linkedin_url = "https://www.linkedin.com/in/someone"
    profile.is_mt_member = True
    profile.ambassador_role = AmbassadorRole.SOCIAL_EDITOR
    profile.about = "I *like* [docs](https://example.com) <script>alert(1)</script>"
    profile.save()
    html = client_for(UserFactory()).get(f"/people/{member.username}/").content.decode()
    expected = [
        "Platform engineer",
        "on-call rotas",
        "English, Dutch",
        "Management team",
        "Social editor",
        "<em>like</em>",
        'href="https://www.linkedin.com/in/someone"',
    ]
    for text in expected:
        assert text in html
    assert '<a href="https://example.com" rel="noopener nofollow">docs</a>' in html
    assert "<script>alert(1)" not in html


def test_recent_activity_shows_only_posts_the_viewer_may_read(client_for):
    member, viewer = UserFactory(), UserFactory()
    PostFactory(author=member, body="open news")
    PostFactory(author=member, group=None, body="company-wide news")
    closed = GroupFactory(visibility=Visibility.CLOSED)
    MembershipFactory(group=closed, user=member)
    PostFactory(author=member, group=closed, body="closed plans")
    html = client_for(viewer).get(f"/people/{member.username}/").content.decode()
    assert "open news" in html
    assert "company-wide news" in html
    assert "closed plans" not in html


def test_groups_show_only_those_the_viewer_may_know_exist(client_for):
    member, viewer = UserFactory(), UserFactory()
    MembershipFactory(user=member, group=GroupFactory(name="Python Guild"))
    MembershipFactory(
        user=member, group=GroupFactory(name="Skunkworks", visibility=Visibility.SECRET)
    )
    html = client_for(viewer).get(f"/people/{member.username}/").content.decode()
    assert "Python Guild" in html
    assert "Skunkworks" not in html
    own = client_for(member).get(f"/people/{member.username}/").content.decode()
    assert "Skunkworks" in own


def test_org_chart_shows_manager_peers_and_reports(client_for):
    boss, me, peer, report = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    for member, manager in [(me, boss), (peer, boss), (report, me)]:
        member.profile.manager = manager.profile
        member.profile.save()
    html = client_for(peer).get(f"/people/{me.username}/").content.decode()
    for person in [boss, peer, report]:
        assert f'href="/people/{person.username}/">{person.profile.display_name}</a>' in html


def test_deactivated_and_unknown_members_have_no_profile_page(client_for):
    gone = UserFactory(is_active=False)
    client = client_for(UserFactory())
    assert client.get(f"/people/{gone.username}/").status_code == 404
    assert client.get("/people/nobody-by-this-name/").status_code == 404


def test_profile_page_needs_a_login(client):
    member = UserFactory()
    assert client.get(f"/people/{member.username}/").status_code == 302


def test_empty_profile_shows_empty_states(client_for):
    member = UserFactory()
    html = client_for(UserFactory()).get(f"/people/{member.username}/").content.decode()
    for text in ["No expertise listed yet.", "No kudos yet.", "No posts you can see yet."]:
        assert text in html


@pytest.mark.parametrize("own", [False, True], ids=["colleague", "owner"])
def test_profile_page_query_count_is_constant(client_for, own):
    member = UserFactory()
    member.profile.manager = UserFactory().profile
    member.profile.save()
    profile_expertise_set(actor=member, profile=member.profile, names=["Go", "Rust", "SQL"])
    group = GroupFactory()
    MembershipFactory(group=group, user=member)
    viewer = member if own else UserFactory()
    client = client_for(viewer)

    def grow(count):
        for _ in range(count):
            for tag in ["Go", "Rust"]:
                endorsement_create(actor=UserFactory(), endorsed=member, tag_name=tag)
            KudosFactory(receiver=member)
            FollowFactory(followed=member)
            FollowFactory(follower=member)
            PostFactory(author=member, group=group)
            MembershipFactory(user=member)
            report = UserFactory()
            report.profile.manager = member.profile
            report.profile.save()

    grow(2)
    url = f"/people/{member.username}/"
    client.get(url)  # warm per-process caches (e.g. ContentType) outside the count
    assert_constant_query_count(lambda: client.get(url), lambda: grow(8))
    html = client.get(url).content.decode()
    assert "10 endorsements" in html


def test_endorser_names_link_to_their_profiles(client_for):
    endorser = UserFactory()
    endorsement = EndorsementFactory(endorser=endorser, tag_name="Go")
    html = client_for(endorser).get(f"/people/{endorsement.endorsed.username}/").content.decode()
    assert f'href="/people/{endorser.username}/">{endorser.profile.display_name}</a>' in html
