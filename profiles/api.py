"""The API of people: who am I and my access tokens; the people directory,
expert search, profiles, follows and endorsements.

Tokens are created only on the web page (/people/me/tokens/), never through
the API: a token cannot mint a longer-lived or stronger one. Deactivated
members are 404 everywhere; a profile shows hidden phone and location to its
owner only, exactly as the profile page does.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from community.api_base import AUTH_ERRORS, ApiError, ErrorOut, error_example
from community.pagination import keyset_paginate
from metrics.models import EventKind
from metrics.services import event_record
from search import selectors as search_selectors
from search.backends.base import SearchBackendError

from . import selectors, services
from .models import AccessToken, Endorsement, Profile, TokenScope

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
    page = keyset_paginate(
        selectors.access_tokens_of(request.auth),
        ordering=["-created_at", "-pk"],
        cursor=query.cursor,
        size=query.limit,
    )
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


# --- people -------------------------------------------------------------------------------

PEOPLE_TAGS = ["people"]
FOLLOW_TAGS = ["follows"]
ENDORSEMENT_TAGS = ["endorsements"]
NOT_FOUND = {404: error_example("not_found", "No such colleague.")}


class PersonOut(Schema):
    username: str
    display_name: str
    job_title: str
    department: DepartmentOut | None
    location: str | None = Field(description="null when empty or hidden by the member.")


class DirectoryPersonOut(PersonOut):
    expertise: list[str]


class PersonPage(Schema):
    items: list[DirectoryPersonOut]
    next_cursor: str | None


class FollowPersonOut(PersonOut):
    since: dt.datetime = Field(description="When the follow began.")


class FollowPage(Schema):
    items: list[FollowPersonOut]
    next_cursor: str | None


def _person(profile: Profile) -> dict:
    # As the person cards: a hidden location is never listed, not even to its owner.
    return {
        "username": profile.user.username,
        "display_name": profile.display_name,
        "job_title": profile.job_title,
        "department": profile.department,
        "location": (profile.location or None) if profile.location_visible else None,
    }


class PeopleQuery(Schema):
    q: str = Field(
        "", max_length=100, description="Name prefix: the start of the name or of a word in it."
    )
    department: str = Field("", max_length=120, description="A department's slug.")
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(20, ge=1, le=100)


@router.get(
    "/people",
    response={200: PersonPage, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="people_list",
    summary="The people directory",
    tags=PEOPLE_TAGS,
    description="Active colleagues by name, optionally of one department (its slug) "
    "and whose name or a word of it starts with `q`.",
)
def people_list(request: HttpRequest, query: Query[PeopleQuery]):
    people = selectors.people_directory(department=query.department.strip())
    prefix = query.q.strip()
    if prefix:
        people = people.filter(
            Q(display_name__istartswith=prefix) | Q(display_name__icontains=f" {prefix}")
        )
    page = keyset_paginate(
        people, ordering=["display_name", "pk"], cursor=query.cursor, size=query.limit
    )
    items = [
        {**_person(profile), "expertise": [tag.name for tag in profile.expertise.all()]}
        for profile in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}


class ExpertOut(Schema):
    person: PersonOut
    score: float
    reasons: list[str] = Field(description="Why this colleague is found, in the member's language.")
    tags: list[str]


class FacetOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class CorrectionOut(Schema):
    typed: str
    tag: str


class ExpertSearchOut(Schema):
    query: str
    total: int
    page: int
    has_next: bool
    tags: list[str] = Field(description="The expertise tags the query was read as.")
    corrections: list[CorrectionOut]
    facets: dict[str, list[FacetOut]]
    facets_among: int | None = Field(
        None,
        description="Null: the facets count every result. A number: a named skill has "
        "so many holders that only the best were scored, and the facets count those "
        "(`total` is still exact; selecting a facet counts everyone again).",
    )
    items: list[ExpertOut]


class ExpertSearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="Skills, names, words.")
    department: str = Field("", max_length=100, description="A department id (see facets).")
    location: str = Field("", max_length=100)
    language: str = Field("", max_length=100)
    tag: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=search_selectors.MAX_PAGE)


@router.get(
    "/people/search",
    response={200: ExpertSearchOut, 422: ErrorOut, 503: ErrorOut, **AUTH_ERRORS},
    operation_id="people_search",
    summary="Find the expert",
    tags=PEOPLE_TAGS,
    description="Active colleagues ranked by how well they match `q` and by the evidence "
    "on the skills it names, each with the reasons. Ranked results come in numbered "
    f"pages of {search_selectors.PEOPLE_PAGE} (`page`, at most {search_selectors.MAX_PAGE}), "
    "not by cursor.",
    openapi_extra={
        "responses": {503: error_example("search_unavailable", "Search is unavailable.")}
    },
)
def people_search(request: HttpRequest, query: Query[ExpertSearchQuery]):
    text = " ".join(query.q.split())
    filters = {facet: getattr(query, facet) for facet in search_selectors.PEOPLE_FACETS}
    try:
        found = search_selectors.people_search(request.auth, text, filters=filters, page=query.page)
    except SearchBackendError:
        raise ApiError(
            503, "search_unavailable", _("Search is unavailable right now; try again soon.")
        ) from None
    if query.page == 1 and not any(filters.values()):
        # A search is a participation event, as on the search page (never its text).
        event_record(actor=request.auth, kind=EventKind.SEARCH)
    return {
        "query": found.query,
        "total": found.total,
        "page": found.page,
        "has_next": found.has_next,
        "tags": found.tags,
        "corrections": [{"typed": typed, "tag": tag} for typed, tag in found.corrections],
        "facets": found.facets,
        "facets_among": found.facets_among,
        "items": [
            {
                "person": _person(result.profile),
                "score": result.score,
                "reasons": result.reasons,
                "tags": result.tags,
            }
            for result in found.results
        ],
    }


class ExpertiseOut(Schema):
    tag: str
    endorsement_count: int
    endorsed_by_me: bool


class GroupRefOut(Schema):
    slug: str
    name: str


class LinkOut(Schema):
    label: str
    url: str


class ManagerOut(Schema):
    username: str
    display_name: str


class ProfileOut(PersonOut):
    email: str
    phone: str | None = Field(description="Only when the member shows it (always to themself).")
    chat_handle: str
    languages: list[str]
    ask_me_about: str
    about: str = Field(description="Markdown, as written.")
    about_html: str = Field(description="The Markdown rendered and sanitised.")
    links: list[LinkOut]
    roles: list[str] = Field(
        description="Any of community_manager, mt_member, manager and an ambassador role."
    )
    manager: ManagerOut | None
    follower_count: int
    following_count: int
    kudos_count: int
    followed_by_me: bool
    is_me: bool
    expertise: list[ExpertiseOut] = Field(description="Most endorsed first.")
    groups: list[GroupRefOut] = Field(
        description="Some of the groups the member is in that you may see."
    )


@router.get(
    "/people/{username}",
    response={200: ProfileOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="people_read",
    summary="A colleague's profile",
    tags=PEOPLE_TAGS,
    description="What the profile page shows. A hidden location or phone number is only "
    "shown to the member themself. Deactivated members are 404.",
    openapi_extra={"responses": NOT_FOUND},
)
def people_read(request: HttpRequest, username: str):
    page = selectors.profile_page_for(request.auth, username=username)
    profile = page.profile
    manager = profile.manager if profile.manager and profile.manager.user.is_active else None
    return {
        **_person(profile),
        "location": profile.location if page.show_location else None,
        "phone": profile.phone if page.show_phone else None,
        "email": profile.user.email,
        "chat_handle": profile.chat_handle,
        "languages": profile.languages_list,
        "ask_me_about": profile.ask_me_about,
        "about": profile.about,
        "about_html": str(page.about_html),
        "links": [{"label": label, "url": url} for label, url in profile.social_links],
        "roles": [role for role in selectors.member_roles(profile.user) if role != "staff"],
        "manager": {"username": manager.user.username, "display_name": manager.display_name}
        if manager
        else None,
        "follower_count": profile.follower_count,
        "following_count": profile.following_count,
        "kudos_count": profile.kudos_count,
        "followed_by_me": profile.followed_by_viewer,
        "is_me": page.is_own,
        "expertise": [
            {
                "tag": entry.tag.name,
                "endorsement_count": entry.count,
                "endorsed_by_me": entry.endorsed_by_viewer,
            }
            for entry in page.expertise
        ],
        "groups": [{"slug": group.slug, "name": group.name} for group in page.groups],
    }


# --- follows ------------------------------------------------------------------------------


class ListQuery(Schema):
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")
    limit: int = Field(20, ge=1, le=100)


def _follow_page(username: str, query: ListQuery, *, followers: bool) -> dict:
    member = selectors.profile_active_by_username(username).user
    rows = selectors.followers_of(member) if followers else selectors.following_of(member)
    page = keyset_paginate(
        rows, ordering=["-created_at", "-pk"], cursor=query.cursor, size=query.limit
    )
    items = []
    for follow in page.items:
        person = follow.follower if followers else follow.followed
        items.append({**_person(person.profile), "since": follow.created_at})
    return {"items": items, "next_cursor": page.next_cursor}


@router.get(
    "/people/{username}/followers",
    response={200: FollowPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="people_followers_list",
    summary="Who follows a colleague",
    tags=FOLLOW_TAGS,
    description="Active followers, newest follow first.",
    openapi_extra={"responses": NOT_FOUND},
)
def followers_list(request: HttpRequest, username: str, query: Query[ListQuery]):
    return _follow_page(username, query, followers=True)


@router.get(
    "/people/{username}/following",
    response={200: FollowPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="people_following_list",
    summary="Whom a colleague follows",
    tags=FOLLOW_TAGS,
    description="Active colleagues, newest follow first.",
    openapi_extra={"responses": NOT_FOUND},
)
def following_list(request: HttpRequest, username: str, query: Query[ListQuery]):
    return _follow_page(username, query, followers=False)


class FollowStateOut(Schema):
    username: str
    following: bool = Field(description="Whether you follow this colleague now.")


@router.post(
    "/people/{username}/follow",
    response={200: FollowStateOut, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="people_follow",
    summary="Follow a colleague",
    tags=FOLLOW_TAGS,
    description="Following twice is the same as once. You cannot follow yourself (422).",
    openapi_extra={"responses": NOT_FOUND},
)
def follow(request: HttpRequest, username: str):
    member = selectors.profile_active_by_username(username).user
    services.follow_create(actor=request.auth, followed=member)
    return {"username": member.username, "following": True}


@router.delete(
    "/people/{username}/follow",
    response={200: FollowStateOut, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="people_unfollow",
    summary="Stop following a colleague",
    tags=FOLLOW_TAGS,
    description="No error when you did not follow them.",
    openapi_extra={"responses": NOT_FOUND},
)
def unfollow(request: HttpRequest, username: str):
    member = selectors.profile_active_by_username(username).user
    services.follow_delete(actor=request.auth, followed=member)
    return {"username": member.username, "following": False}


# --- endorsements ---------------------------------------------------------------------------


class EndorsementOut(Schema):
    id: int
    tag: str
    endorser: PersonOut
    created_at: dt.datetime


class EndorsementPage(Schema):
    items: list[EndorsementOut]
    next_cursor: str | None


class EndorseIn(Schema):
    tag: str = Field(..., min_length=1, max_length=100, description="One of their expertise tags.")


def _endorsement(endorsement: Endorsement) -> dict:
    return {
        "id": endorsement.pk,
        "tag": endorsement.tag.name,
        "endorser": _person(endorsement.endorser.profile),
        "created_at": endorsement.created_at,
    }


@router.get(
    "/people/{username}/endorsements",
    response={200: EndorsementPage, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    operation_id="people_endorsements_list",
    summary="Endorsements of a colleague's expertise",
    tags=ENDORSEMENT_TAGS,
    description="By active colleagues, newest first.",
    openapi_extra={"responses": NOT_FOUND},
)
def endorsements_list(request: HttpRequest, username: str, query: Query[ListQuery]):
    member = selectors.profile_active_by_username(username).user
    page = keyset_paginate(
        selectors.endorsements_received(member),
        ordering=["-created_at", "-pk"],
        cursor=query.cursor,
        size=query.limit,
    )
    return {"items": [_endorsement(e) for e in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/people/{username}/endorsements",
    response={
        200: EndorsementOut,
        201: EndorsementOut,
        404: ErrorOut,
        422: ErrorOut,
        **AUTH_ERRORS,
    },
    operation_id="people_endorse",
    summary="Endorse a colleague's expertise",
    tags=ENDORSEMENT_TAGS,
    description="Only a tag they list, never your own (422). 201 for a new endorsement, "
    "200 when you had already endorsed it.",
    openapi_extra={
        "responses": {
            **NOT_FOUND,
            422: error_example(
                "invalid", "“Cobol” is not one of this colleague's areas of expertise."
            ),
        }
    },
)
def endorse(request: HttpRequest, username: str, payload: EndorseIn):
    member = selectors.profile_active_by_username(username).user
    endorsement, created = services.endorsement_create(
        actor=request.auth, endorsed=member, tag_name=payload.tag
    )
    return Status(201 if created else 200, _endorsement(endorsement))


@router.delete(
    "/people/{username}/endorsements/{endorsement_id}",
    response={204: None, 404: ErrorOut, **AUTH_ERRORS},
    operation_id="people_endorsement_withdraw",
    summary="Withdraw my endorsement",
    tags=ENDORSEMENT_TAGS,
    description="Only your own endorsement: anyone else's answers 404, like one that "
    "does not exist.",
    openapi_extra={"responses": {404: error_example("not_found", "Not found.")}},
)
def endorsement_withdraw(request: HttpRequest, username: str, endorsement_id: int):
    member = selectors.profile_active_by_username(username).user
    mine = (
        selectors.endorsements_received(member)
        .filter(pk=endorsement_id, endorser_id=request.auth.pk)
        .first()
    )
    if mine is None:
        raise ApiError(404, "not_found", _("Not found."))
    services.endorsement_delete(actor=request.auth, endorsed=member, tag_name=mine.tag.name)
    return Status(204, None)
