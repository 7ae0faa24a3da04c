"""The social hub through the API: only items open for sharing now, and a
share that is the same act as the hub's Share button."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import ShareableItemPage, ShareLink
from metrics.models import EventKind, ParticipationEvent
from profiles.models import TokenScope
from tests.api.conftest import bearer, token_for
from tests.api.test_auth import assert_error
from tests.cms.factories import campaign, publish_item, social_hub
from tests.helpers import assert_constant_query_count

pytestmark = pytest.mark.django_db


def draft_item(title: str = "Draft") -> ShareableItemPage:
    item = ShareableItemPage(
        title=title, live=False, kind="article", canonical_url="https://www.example.com/d"
    )
    social_hub().add_child(instance=item)
    return item


def expired_item(title: str = "Expired") -> ShareableItemPage:
    item = publish_item(title)
    ShareableItemPage.objects.filter(pk=item.pk).update(
        expire_at=timezone.now() - timedelta(days=1)
    )
    return item


def share(client, item_id, network="linkedin", text="Come work with us", **kwargs):
    return client.post(
        f"/api/v1/hub/items/{item_id}/share",
        {"network": network, "text": text},
        content_type="application/json",
        **kwargs,
    )


def test_items_list_only_what_is_open_for_sharing_featured_first(session_client, member):
    plain = publish_item("Plain")
    featured = publish_item("Featured", featured=True, campaign=campaign())
    draft_item()
    expired_item()
    body = session_client(member).get("/api/v1/hub/items").json()
    assert [i["id"] for i in body["items"]] == [featured.pk, plain.pk]
    assert body["items"][0]["campaign"] == {"name": "Spring hiring", "slug": "spring-hiring"}
    assert body["items"][0]["canonical_url"] == "https://www.example.com/jobs/sre?ref=site"


def test_items_page_by_cursor(session_client, member):
    items = [publish_item(f"Item {n}") for n in range(3)]
    client = session_client(member)
    first = client.get("/api/v1/hub/items", {"limit": 2}).json()
    rest = client.get("/api/v1/hub/items", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert {i["id"] for i in first["items"] + rest["items"]} == {i.pk for i in items}
    assert rest["next_cursor"] is None
    assert_error(client.get("/api/v1/hub/items", {"cursor": "bad"}), 422, "invalid")


def test_items_query_count_does_not_grow(session_client, member):
    spring = campaign()

    def grow():
        for n in range(3):
            publish_item(f"More {n}", campaign=spring)

    grow()
    client = session_client(member)
    assert_constant_query_count(lambda: client.get("/api/v1/hub/items"), grow)


def test_one_item_with_its_suggested_texts(session_client, member):
    item = publish_item()
    body = session_client(member).get(f"/api/v1/hub/items/{item.pk}").json()
    assert body["title"] == "We are hiring SREs"
    assert body["share_texts"]["x"] == "Hiring SREs! #careers"
    assert body["x_text_limit"] == 256


def test_drafts_and_expired_items_are_404(session_client, member):
    client = session_client(member)
    for item in [draft_item(), expired_item()]:
        assert_error(client.get(f"/api/v1/hub/items/{item.pk}"), 404, "not_found")
        assert_error(share(client, item.pk), 404, "not_found")
    assert_error(client.get("/api/v1/hub/items/999999"), 404, "not_found")
    assert not ShareLink.objects.exists()


def test_share_gives_my_short_link_and_the_network_dialog(session_client, member):
    item = publish_item()
    client = session_client(member)
    response = share(client, item.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    link = ShareLink.objects.get()
    assert link.member == member and link.network == "linkedin"
    assert body["short_url"] == f"http://testserver/s/{link.code}"
    assert body["share_url"].startswith("https://www.linkedin.com/sharing/share-offsite/?")
    assert body["shares"] == 1 and body["text"] == "Come work with us"
    assert ParticipationEvent.objects.filter(actor=member, kind=EventKind.SHARE).count() == 1
    # Sharing again reuses the same link and counts again.
    again = share(client, item.pk).json()
    assert again["short_url"] == body["short_url"] and again["shares"] == 2


@pytest.mark.parametrize("network,text", [("myspace", "hi"), ("x", "x" * 300), ("linkedin", "   ")])
def test_share_refuses_bad_network_or_text(session_client, member, network, text):
    item = publish_item()
    assert_error(share(session_client(member), item.pk, network, text), 422, "invalid")
    assert not ShareLink.objects.exists()


def test_share_needs_a_write_token(client, member):
    item = publish_item()
    _token, secret = token_for(member, TokenScope.READ)
    assert_error(share(client, item.pk, headers=bearer(secret)), 403, "read_only_token")
    _token, secret = token_for(member, TokenScope.READ_WRITE)
    assert share(client, item.pk, headers=bearer(secret)).status_code == 200


def test_hub_needs_authentication(client):
    assert_error(client.get("/api/v1/hub/items"), 401, "unauthenticated")


def test_openapi_lists_the_hub_paths(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert "get" in paths["/api/v1/hub/items"]
    assert "get" in paths["/api/v1/hub/items/{item_id}"]
    share_op = paths["/api/v1/hub/items/{item_id}/share"]["post"]
    assert share_op["responses"]["404"]["content"]["application/json"]["example"]["error"]
