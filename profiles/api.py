"""The API of the member themself: who am I, and my access tokens.

Tokens are created only on the web page (/people/me/tokens/), never through
the API: a token cannot mint a longer-lived or stronger one.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import InvalidCursor, keyset_paginate

from . import selectors, services
from .models import AccessToken, TokenScope

router = Router(tags=["me"])


class DepartmentOut(Schema):
    id: int
    name: str


class AuthOut(Schema):
    method: Literal["session", "token"]
    scope: Literal["read", "read write"]


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    department: DepartmentOut | None
    roles: list[str] = Field(
        description="Any of staff, community_manager, mt_member, manager, and an "
        "ambassador role (social_master, social_editor, social_creator, social_publisher)."
    )
    auth: AuthOut

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 42,
                    "username": "anna",
                    "display_name": "Anna de Vries",
                    "department": {"id": 3, "name": "Marketing"},
                    "roles": ["community_manager"],
                    "auth": {"method": "token", "scope": "read"},
                }
            ]
        }
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    scope: Literal["read", "read write"]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(
        description="Updated at most once a minute, not on every request."
    )
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


class TokenListQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(50, ge=1, le=100)


@router.get(
    "/me",
    response={200: MeOut, **AUTH_ERRORS},
    operation_id="me_read",
    summary="Who am I",
    description="The member the request is authenticated as, and how.",
)
def me(request: HttpRequest):
    user = request.auth
    profile = getattr(user, "profile", None)
    department = profile.department if profile is not None else None
    token: AccessToken | None = getattr(request, "access_token", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": profile.display_name if profile is not None else user.get_username(),
        "department": department,
        "roles": selectors.member_roles(user),
        "auth": {
            "method": "token" if token is not None else "session",
            "scope": token.scope if token is not None else TokenScope.READ_WRITE,
        },
    }


@router.get(
    "/me/tokens",
    response={200: TokenPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="me_tokens_list",
    summary="My access tokens",
    description="The member's own tokens, newest first (never their secrets).",
)
def tokens_list(request: HttpRequest, query: Query[TokenListQuery]):
    try:
        page = keyset_paginate(
            selectors.access_tokens_of(request.auth),
            ordering=["-created_at", "-pk"],
            cursor=query.cursor,
            size=query.limit,
        )
    except InvalidCursor:
        raise ApiError(
            422, "invalid", "Invalid cursor.", fields={"cursor": ["Invalid cursor."]}
        ) from None
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/me/tokens/{token_id}/revoke",
    response={200: TokenOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="me_token_revoke",
    summary="Revoke one of my tokens",
    description="Needs a session (with its CSRF token) or a read write token. "
    "Someone else's token answers 404, like a token that does not exist.",
    openapi_extra={
        "responses": {
            404: error_example("not_found", "No such token."),
            403: error_example("read_only_token", "This token may only read."),
        }
    },
)
def token_revoke(request: HttpRequest, token_id: int):
    return services.token_revoke(actor=request.auth, token_id=token_id)
