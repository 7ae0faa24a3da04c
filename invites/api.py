"""The API of invitations: mine, inviting a colleague by email, revoking.

The quota, the allowed domains and the resend throttle are the service's
(invites.services); the answer never tells whether an address already has an
account. Only the inviter acts on an invitation: anyone else's id is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import keyset_paginate

from . import services
from .models import Invitation
from .selectors import invitations_of

router = Router(tags=["invitations"])


class JoinedOut(Schema):
    username: str
    display_name: str


class InvitationOut(Schema):
    id: int
    kind: Literal["email", "link"]
    email: str = Field(description="Empty for a shareable link.")
    note: str
    status: Literal["pending", "used", "expired", "revoked"]
    uses: int
    max_uses: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    joined: list[JoinedOut] = Field(description="Colleagues who joined through it.")


class InvitationPage(Schema):
    items: list[InvitationOut]
    next_cursor: str | None


class InvitationQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(20, ge=1, le=100)


def _invitation(invitation: Invitation) -> dict:
    return {
        "id": invitation.pk,
        "kind": "link" if invitation.is_link else "email",
        "email": invitation.email,
        "note": invitation.note,
        "status": invitation.status(),
        "uses": invitation.uses,
        "max_uses": invitation.max_uses,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "revoked_at": invitation.revoked_at,
        "last_sent_at": invitation.last_sent_at,
        "joined": [
            {"username": r.user.username, "display_name": r.user.profile.display_name}
            for r in invitation.redemptions.all()
        ],
    }


@router.get(
    "/invitations",
    response={200: InvitationPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="invitations_list",
    summary="My invitations",
    description="Invitations you sent (emails and shareable links), newest first.",
)
def invitations_list(request: HttpRequest, query: Query[InvitationQuery]):
    page = keyset_paginate(
        invitations_of(request.auth),
        ordering=["-created_at", "-pk"],
        cursor=query.cursor,
        size=query.limit,
    )
    return {"items": [_invitation(i) for i in page.items], "next_cursor": page.next_cursor}


class InviteIn(Schema):
    email: str = Field(..., min_length=3, max_length=254, description="A colleague's address.")
    note: str = Field("", max_length=500, description="A personal note in the email.")


class InviteOut(Schema):
    email: str
    status: Literal["sent", "resent", "throttled"] = Field(
        description="`resent`: an open invitation to this address was sent again; "
        "`throttled`: it was sent a moment ago, so not again."
    )
    invitation: InvitationOut | None = Field(
        description="Your invitation to this address (null when it is someone else's)."
    )


@router.post(
    "/invitations",
    response={200: InviteOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="invitations_create",
    summary="Invite a colleague",
    description="Only addresses of the organisation's domains, within your monthly quota "
    "(422 otherwise). Inviting an address again resends the open invitation.",
    openapi_extra={
        "responses": {
            422: error_example(
                "invalid",
                "nina@gmail.com is outside the organisation: only colleagues may be invited.",
                {"__all__": ["nina@gmail.com is outside the organisation."]},
            )
        }
    },
)
def invitation_create(request: HttpRequest, payload: InviteIn):
    (outcome,) = services.invitation_send(
        actor=request.auth, emails=[payload.email], note=payload.note
    )
    # The open invitation to this address, if it is the actor's own.
    mine = (
        invitations_of(request.auth)
        .filter(email=outcome.email, revoked_at__isnull=True, uses=0, expires_at__gt=timezone.now())
        .first()
    )
    return {
        "email": outcome.email,
        "status": outcome.status,
        "invitation": _invitation(mine) if mine is not None else None,
    }


@router.post(
    "/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="invitations_revoke",
    summary="Revoke my invitation",
    description="Its link stops working. Someone else's invitation answers 404.",
    openapi_extra={"responses": {404: error_example("not_found", "Not found.")}},
)
def invitation_revoke(request: HttpRequest, invitation_id: int):
    invitation = invitations_of(request.auth).filter(pk=invitation_id).first()
    if invitation is None:
        raise ApiError(404, "not_found", _("Not found."))
    services.invitation_revoke(actor=request.auth, invitation=invitation)
    return _invitation(invitation)
