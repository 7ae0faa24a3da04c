"""Hub items built the way editors publish them."""

from __future__ import annotations

from django.conf import settings
from wagtail.models import Locale, Page, Site

from cms.models import Campaign, ItemKind, ShareableItemPage, SocialHubPage


def social_hub() -> SocialHubPage:
    """The hub as its data migrations leave it. An earlier transactional module
    may have flushed every table (PostgreSQL leg), Wagtail's tree included:
    then build the tree again the way the migrations do."""
    hub = SocialHubPage.objects.first()
    if hub is not None:
        return hub
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        home = root.add_child(instance=Page(title="Home", slug="home"))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return site.root_page.add_child(instance=SocialHubPage(title="Social hub", slug="hub"))


def publish_item(title: str = "We are hiring SREs", **fields) -> ShareableItemPage:
    hub = social_hub()
    defaults = {
        "kind": ItemKind.VACANCY,
        "summary": f"{title} summary",
        "canonical_url": "https://www.example.com/jobs/sre?ref=site",
        "share_text": "Great team, great work.",
        "share_text_x": "Hiring SREs!",
        "hashtags": "#careers",
    }
    defaults.update(fields)
    item = ShareableItemPage(title=title, live=False, **defaults)
    hub.add_child(instance=item)
    item.save_revision().publish()
    item.refresh_from_db()
    return item


def campaign(name: str = "Spring hiring", slug: str = "spring-hiring") -> Campaign:
    return Campaign.objects.create(name=name, slug=slug, goal="200 shares")
