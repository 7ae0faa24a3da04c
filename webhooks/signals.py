"""Adapters for third-party events only (STYLE: signals adapt, services decide)."""

from __future__ import annotations

from wagtail.signals import page_published

from cms.models import ShareableItemPage

from .services import webhook_hub_item_published_emit


def _hub_item_published(sender, instance, **kwargs) -> None:
    if isinstance(instance, ShareableItemPage):
        webhook_hub_item_published_emit(page=instance)


page_published.connect(
    _hub_item_published, sender=ShareableItemPage, dispatch_uid="webhooks_hub_item_published"
)
