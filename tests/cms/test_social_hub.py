"""The social hub exists from the first migration and shows live items to members."""

import pytest
from django.test import Client
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from cms.models import ItemKind, ShareableItemPage, SocialHubPage
from tests.factories import UserFactory


def add_item(hub: SocialHubPage, title: str, *, live: bool = True) -> ShareableItemPage:
    item = ShareableItemPage(
        title=title,
        kind=ItemKind.VACANCY,
        summary=f"{title} summary",
        canonical_url="https://www.example.com/jobs/1",
        live=live,
    )
    hub.add_child(instance=item)
    return item


class SocialHubPageTests(WagtailPageTestCase):
    def setUp(self):
        self.hub = SocialHubPage.objects.get()
        self.client.force_login(UserFactory())

    def test_hub_is_at_slash_hub_and_lists_only_live_items(self):
        add_item(self.hub, "We are hiring SREs")
        add_item(self.hub, "Secret draft", live=False)
        response = self.client.get("/hub/")
        self.assertContains(response, "We are hiring SREs")
        self.assertNotContains(response, "Secret draft")
        self.assertContains(response, 'aria-current="page">Hub</a>', html=False)

    def test_empty_hub_explains_itself(self):
        self.assertContains(self.client.get("/hub/"), "No content to share yet")

    def test_item_page_links_to_the_public_page_safely(self):
        item = add_item(self.hub, "Annual report")
        response = self.client.get(item.url)
        self.assertContains(
            response,
            '<a href="https://www.example.com/jobs/1" rel="noopener nofollow" target="_blank">',
            html=False,
        )

    def test_items_live_only_under_the_hub_and_there_is_one_hub(self):
        self.assertCanCreateAt(SocialHubPage, ShareableItemPage)
        self.assertCanNotCreateAt(Page, ShareableItemPage)
        self.assertEqual(SocialHubPage.max_count, 1)

    def test_pages_render(self):
        item = add_item(self.hub, "Renderable")
        self.assertPageIsRenderable(self.hub)
        self.assertPageIsRenderable(item)


@pytest.mark.django_db
def test_hub_is_for_members_only():
    response = Client().get("/hub/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/hub/"


@pytest.mark.django_db
def test_wagtail_admin_is_at_cms_admin_and_django_admin_at_admin():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/cms-admin/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert Client().get("/cms-admin/").status_code == 302
