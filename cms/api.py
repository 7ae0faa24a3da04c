"""The API of the social hub: items open for sharing now, and sharing one.

Sharing through the API is the same act as the hub's Share button
(cms.services.share_create): the member's tracked short link for the item and
network, counted as a share, and the network's own share dialog to open.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import keyset_paginate

from . import selectors, services
from .models import X_LIMIT, X_LINK_LENGTH, ItemKind, Network, ShareableItemPage

router = Router(tags=["hub"])

#: As the hub page lists them: featured first, then the newest.
ORDERING = ["-featured", "-first_published_at", "pk"]


class CampaignOut(Schema):
    name: str
    slug: str


class HubItemOut(Schema):
    id: int
    title: str
    kind: ItemKind
    summary: str
    canonical_url: str = Field(description="The public page a share links to.")
    featured: bool
    campaign: CampaignOut | None
    published_at: dt.datetime | None
    expires_at: dt.datetime | None = Field(description="When sharing closes, if it does.")


class HubItemDetailOut(HubItemOut):
    share_texts: dict[Network, str] = Field(description="The suggested text per network.")
    x_text_limit: int = Field(description="At most this many characters on X (the link adds 24).")


class HubItemPage(Schema):
    items: list[HubItemOut]
    next_cursor: str | None


class HubItemQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(20, ge=1, le=100)


def _item(item: ShareableItemPage) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "kind": item.kind,
        "summary": item.summary,
        "canonical_url": item.canonical_url,
        "featured": item.featured,
        "campaign": item.campaign,
        "published_at": item.first_published_at,
        "expires_at": item.expire_at,
    }


def _shareable(item_id: int) -> ShareableItemPage:
    item = selectors.shareable_items().filter(pk=item_id).first()
    if item is None:
        # Drafts, expired and restricted items look exactly like missing ones.
        raise ApiError(404, "not_found", _("No such item open for sharing."))
    return item


NOT_FOUND = {404: error_example("not_found", "No such item open for sharing.")}


@router.get(
    "/hub/items",
    response={200: HubItemPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="hub_items_list",
    summary="Items to share",
    description="Hub items open for sharing now (live, inside their publish window), "
    "featured first, then the newest.",
)
def hub_items_list(request: HttpRequest, query: Query[HubItemQuery]):
    page = keyset_paginate(
        selectors.shareable_items(), ordering=ORDERING, cursor=query.cursor, size=query.limit
    )
    return {"items": [_item(item) for item in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/hub/items/{item_id}",
    response={200: HubItemDetailOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="hub_items_read",
    summary="One item to share",
    description="With the suggested text for every network.",
    openapi_extra={"responses": NOT_FOUND},
)
def hub_item_read(request: HttpRequest, item_id: int):
    item = _shareable(item_id)
    return {
        **_item(item),
        "share_texts": selectors.share_texts_for(item),
        "x_text_limit": X_LIMIT - X_LINK_LENGTH - 1,
    }


class ShareIn(Schema):
    network: Network
    text: str = Field(..., description="What you post with the link (the suggestion or your own).")


class ShareOut(Schema):
    item_id: int
    network: Network
    short_url: str = Field(description="Your tracked link: clicks on it count for you.")
    share_url: str = Field(description="The network's share dialog, to open in a browser.")
    text: str
    shares: int = Field(description="How often you shared this item on this network.")


@router.post(
    "/hub/items/{item_id}/share",
    response={200: ShareOut, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="hub_items_share",
    summary="Share an item",
    description="Counts a share and answers your short link and the network's share dialog. "
    "The same member, item and network always get the same short link.",
    openapi_extra={
        "responses": {
            **NOT_FOUND,
            422: error_example(
                "invalid",
                "X allows 280 characters and the link takes 24: shorten the text.",
                {"__all__": ["X allows 280 characters and the link takes 24: shorten the text."]},
            ),
        }
    },
)
def hub_item_share(request: HttpRequest, item_id: int, payload: ShareIn):
    item = _shareable(item_id)
    link = services.share_create(
        actor=request.auth, item=item, network=payload.network, text=payload.text
    )
    short = services.short_url(link, base=request.build_absolute_uri("/"))
    return {
        "item_id": item.pk,
        "network": link.network,
        "short_url": short,
        "share_url": services.network_share_url(link, short=short),
        "text": link.shared_text,
        "shares": link.shares,
    }
