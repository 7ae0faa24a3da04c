"""Sharing hub items: personal short links per (member, item, network), the
network's share dialog, redirects with UTM that never go anywhere else, unique
clicks without personal data, bots ignored, publish windows, and the figures
on the dashboards computed on a known fixture."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.models import HubSettings, ShareClick, ShareLink
from cms.selectors import item_summary, member_impact
from cms.services import share_click_record, share_create
from metrics.models import EventKind, ParticipationEvent
from tests.cms.factories import campaign, publish_item
from tests.factories import UserFactory
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36"


@pytest.fixture
def member(client):
    user = UserFactory(username="sharer")
    client.force_login(user)
    return user


def test_suggested_texts_per_network_with_hashtags():
    item = publish_item(share_text_linkedin="A long LinkedIn text.")
    assert item.suggested_text("linkedin") == "A long LinkedIn text. #careers"
    assert item.suggested_text("x") == "Hiring SREs! #careers"
    assert item.suggested_text("facebook") == "Great team, great work. #careers"
    assert item.suggested_text("email") == "Great team, great work."


def test_sharing_opens_the_network_dialog_with_a_personal_short_link(client, member):
    item = publish_item()
    response = client.post(
        f"/hub/items/{item.pk}/share/", {"network": "x", "text": "My own words on this"}
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "x.com", "/intent/post")
    query = parse_qs(target.query)
    link = ShareLink.objects.get()
    assert query["text"] == ["My own words on this"]
    assert query["url"] == [f"http://testserver/s/{link.code}"]
    assert (link.member, link.network, link.shares) == (member, "x", 1)
    assert (link.suggested_text, link.shared_text, link.edited) == (
        "Hiring SREs! #careers",
        "My own words on this",
        True,
    )
    event = ParticipationEvent.objects.get(kind=EventKind.SHARE)
    assert (event.actor, event.network) == (member, "x")


def test_the_same_member_item_and_network_reuse_one_link(member):
    item = publish_item()
    first = share_create(actor=member, item=item, network="linkedin", text="One")
    again = share_create(actor=member, item=item, network="linkedin", text="Two")
    other = share_create(actor=member, item=item, network="email", text="Three")
    assert first.pk == again.pk != other.pk
    assert (again.shares, again.shared_text) == (2, "Two")
    assert ShareLink.objects.count() == 2


@pytest.mark.parametrize(
    ("network", "host"),
    [
        ("linkedin", "www.linkedin.com"),
        ("facebook", "www.facebook.com"),
        ("whatsapp", "wa.me"),
    ],
)
def test_every_network_uses_its_official_share_url(client, member, network, host):
    item = publish_item()
    response = client.post(f"/hub/items/{item.pk}/share/", {"network": network, "text": "Hi"})
    assert urlsplit(response["Location"]).netloc == host


def test_email_shares_through_a_mailto_link(client, member):
    item = publish_item()
    response = client.post(f"/hub/items/{item.pk}/share/", {"network": "email", "text": "Look"})
    assert response["Location"].startswith("mailto:?subject=We%20are%20hiring%20SREs")


@pytest.mark.parametrize(
    ("network", "text", "message"),
    [
        ("x", "y" * 257, "X allows 280 characters"),
        ("x", "   ", "Write something"),
        ("myspace", "Hello", "Unknown network"),
    ],
)
def test_bad_share_input_is_refused_with_a_clear_message(client, member, network, text, message):
    item = publish_item()
    response = client.post(
        f"/hub/items/{item.pk}/share/", {"network": network, "text": text}, follow=True
    )
    assert message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_sharing_needs_a_login_and_a_post(client):
    item = publish_item()
    assert (
        client.post(f"/hub/items/{item.pk}/share/", {"network": "x", "text": "a"}).status_code
        == 302
    )
    client.force_login(UserFactory())
    assert client.get(f"/hub/items/{item.pk}/share/").status_code == 405


def test_items_outside_their_publish_window_cannot_be_shared_or_listed(client, member):
    now = timezone.now()
    future = publish_item("Next week's news")
    future.go_live_at = now + timedelta(days=7)
    future.save()
    expired = publish_item("Old vacancy")
    expired.expire_at = now - timedelta(days=1)
    expired.save()
    current = publish_item("Current vacancy")
    hub = client.get("/hub/").content.decode()
    assert "Current vacancy" in hub
    assert "Next week" not in hub and "Old vacancy" not in hub
    for item in (future, expired):
        response = client.post(f"/hub/items/{item.pk}/share/", {"network": "x", "text": "a"})
        assert response.status_code == 404
        with pytest.raises(ValidationError):
            share_create(actor=member, item=item, network="x", text="a")
    assert share_create(actor=member, item=current, network="x", text="a")


def test_short_link_redirects_to_the_canonical_url_with_utm(client, member):
    item = publish_item(campaign=campaign())
    link = share_create(actor=member, item=item, network="linkedin", text="Hi")
    client.logout()  # outside visitors have no Buzz account
    response = client.get(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "www.example.com", "/jobs/sre")
    assert parse_qs(target.query) == {
        "ref": ["site"],
        "utm_source": ["linkedin"],
        "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["spring-hiring"],
        "utm_content": [link.code],
    }
    assert response["Referrer-Policy"] == "no-referrer"


def test_unknown_or_tampered_codes_are_404_and_never_redirect_elsewhere(client, member):
    link = share_create(actor=member, item=publish_item(), network="x", text="Hi")
    for code in ("nope", link.code + "x", link.code[:-1], "../admin"):
        assert client.get(f"/s/{code}").status_code == 404
    response = client.get(f"/s/{link.code}?next=https://evil.example/", HTTP_USER_AGENT=BROWSER)
    assert urlsplit(response["Location"]).netloc == "www.example.com"


def test_a_visitor_counts_once_and_no_personal_data_is_stored(client, member):
    link = share_create(actor=member, item=publish_item(), network="x", text="Hi")
    for _ in range(3):
        client.get(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")
    client.get(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.4")
    assert ShareClick.objects.filter(link=link).count() == 2
    stored = list(ShareClick.objects.values_list("visitor", flat=True))
    assert all(len(value) == 64 and "203.0.113.7" not in value for value in stored)
    clicks = ParticipationEvent.objects.filter(kind=EventKind.CLICK)
    assert clicks.count() == 2 and {event.actor_id for event in clicks} == {member.pk}


@pytest.mark.parametrize(
    "agent",
    [
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "WhatsApp/2.23.20.0",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "curl/8.5.0",
        "",
    ],
)
def test_bots_and_link_previews_are_redirected_but_never_counted(client, member, agent):
    link = share_create(actor=member, item=publish_item(), network="x", text="Hi")
    response = client.get(f"/s/{link.code}", HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert not ShareClick.objects.exists()


def test_item_figures_on_a_known_fixture():
    """Hand-computed: 3 members share one item. Ann: LinkedIn (edited) x2 and X
    (kept); Bob: LinkedIn (kept); Cem: email (edited). Clicks: Ann LinkedIn 3,
    Ann X 1, Bob LinkedIn 0, Cem email 2."""
    item = publish_item()
    ann, bob, cem = UserFactory(), UserFactory(), UserFactory()
    ann_li = share_create(actor=ann, item=item, network="linkedin", text="Proud of this team")
    ann_li = share_create(actor=ann, item=item, network="linkedin", text="Proud of this team!")
    ann_x = share_create(actor=ann, item=item, network="x", text="Hiring SREs! #careers")
    share_create(actor=bob, item=item, network="linkedin", text="Great team, great work. #careers")
    cem_mail = share_create(actor=cem, item=item, network="email", text="Have a look")
    for link, visitors in ((ann_li, 3), (ann_x, 1), (cem_mail, 2)):
        for n in range(visitors):
            share_click_record(link, address=f"198.51.100.{n}", user_agent=BROWSER)
    settings = HubSettings(reach_linkedin=500, reach_x=300, reach_email=5)
    summary = item_summary(item, settings)
    assert (summary.shares, summary.clicks, summary.links) == (5, 6, 4)
    # reach: LinkedIn 3 shares x 500 + X 1 x 300 + email 1 x 5
    assert summary.reach == 1805
    by_network = {row.network: (row.shares, row.clicks, row.reach) for row in summary.networks}
    assert by_network == {"linkedin": (3, 3, 1500), "x": (1, 1, 300), "email": (1, 2, 5)}
    # edited: Ann LinkedIn and Cem email (2 of 4 links); their clicks 3 and 2
    assert (summary.edited_links, summary.edited_share) == (2, 0.5)
    assert (summary.clicks_per_edited_link, summary.clicks_per_unedited_link) == (2.5, 0.5)
    assert summary.clicks_per_share == 1.2
    assert [(s["name"], s["shares"], s["clicks"]) for s in summary.top_sharers] == [
        (ann.profile.display_name, 3, 4),
        (cem.profile.display_name, 1, 2),
        (bob.profile.display_name, 1, 0),
    ]
    mine, items = member_impact(ann, settings)
    assert (mine.shares, mine.clicks, mine.reach) == (3, 4, 1300)
    assert [entry["item"] for entry in items] == [item]


def test_editors_see_the_figures_on_the_item_members_do_not(client, member):
    item = publish_item()
    share_create(actor=member, item=item, network="x", text="Hi")
    assert "Results (editors)" not in client.get(item.url).content.decode()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(item.url).content.decode()
    assert "Results (editors)" in page and "Top sharers" in page


def test_my_impact_has_an_empty_state_and_constant_queries(client, member):
    assert "You have not shared anything yet" in client.get("/hub/impact/").content.decode()

    def grow():
        for index in range(3):
            link = share_create(
                actor=member, item=publish_item(f"Item {index}"), network="x", text="Hi"
            )
            share_click_record(link, address="192.0.2.1", user_agent=BROWSER)

    share_create(actor=member, item=publish_item("First"), network="linkedin", text="Hi")
    assert_constant_query_count(lambda: client.get("/hub/impact/"), grow)


def test_editors_dashboard_in_wagtail_shows_campaigns_and_items_with_constant_queries(client):
    editor = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(editor)
    spring = campaign()
    item = publish_item(campaign=spring)
    link = share_create(actor=UserFactory(), item=item, network="linkedin", text="Hi")
    share_click_record(link, address="192.0.2.9", user_agent=BROWSER)
    page = client.get("/cms-admin/hub-impact/")
    assert page.status_code == 200
    campaigns = page.context["campaigns"]
    assert [(c.name, s.shares, s.clicks) for c, s in campaigns] == [("Spring hiring", 1, 1)]
    assert [(i.title, i.share_total, i.click_total) for i in page.context["items"]] == [
        ("We are hiring SREs", 1, 1)
    ]

    def grow():
        other = campaign("Autumn", "autumn")
        for index in range(3):
            extra = publish_item(f"Extra {index}", campaign=other)
            share_create(actor=UserFactory(), item=extra, network="x", text="Hi")

    assert_constant_query_count(lambda: client.get("/cms-admin/hub-impact/"), grow)


def test_members_without_the_editor_role_cannot_open_the_dashboard(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/cms-admin/hub-impact/").status_code in (302, 403)
