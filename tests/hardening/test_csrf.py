"""Every state-changing form refuses a POST without its CSRF token.

The URL patterns are read from the resolver when the test runs, so views added
later are covered. A logged-in member (the attack a forged cross-site form
makes) POSTs to each one with `enforce_csrf_checks=True` and no token: the
answer must be 403 from Django's CSRF check, before any view code runs.

Not checked here, on purpose:
* /api/v1/: django-ninja exempts its views from the middleware and checks CSRF
  itself for session requests (tests/api/test_auth.py proves `403 csrf_failed`);
  tokens in the Authorization header cannot be forged cross-site.
* /admin/, /cms-admin/, /documents/: Django's and Wagtail's own, with their own
  tests. Wagtail's page-serving catch-all is checked, at /hub/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from feed import services as feed_services
from feed.models import Notification
from invites import services as invite_services
from invites.models import Invitation
from profiles.models import TokenScope
from profiles.services import token_create
from tests.factories import (
    CommentFactory,
    GroupFactory,
    MembershipFactory,
    PostFactory,
    UserFactory,
)
from tests.hardening.reporting import report_figure

pytestmark = pytest.mark.django_db

#: Prefixes whose views handle CSRF themselves or belong to Django/Wagtail (see above).
NOT_CHECKED_PREFIXES = ("/api/", "/admin/", "/cms-admin/", "/documents/")


def named_patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if f"/{entry.pattern}".startswith(NOT_CHECKED_PREFIXES):
                continue
            inner = entry.namespace or ""
            found += named_patterns(entry, f"{namespace}{inner}:" if inner else namespace)
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


@pytest.fixture
def world():
    """One real object of every kind a URL can name, so paths resolve to things
    that exist."""
    member = UserFactory()
    group = GroupFactory()
    MembershipFactory(group=group, user=member)
    post = PostFactory(author=member, group=group)
    comment = CommentFactory(post=post, author=UserFactory())
    feed_services.comment_create(actor=UserFactory(), post=post, body="hi")
    invite_services.invitation_send(actor=member, emails=["nina.new@buzz.example"])
    token, _secret = token_create(actor=member, name="t", scope=TokenScope.READ)
    values = {
        "pk": post.pk,
        "slug": group.slug,
        "username": member.username,
        "token_id": token.pk,
        "tag": "kubernetes",
        "token": "not-a-real-token",
        "code": "abc123",
        "action": "dismiss",
        "month": "2026-10",
        "fmt": "csv",
        "path": "",
    }
    ids = {
        "comment": comment.pk,
        "notification": Notification.objects.filter(recipient=member).first().pk,
        "invite": Invitation.objects.get(inviter=member).pk,
        "member": member.pk,
    }
    return member, values, ids


def url_for(name: str, pattern: URLPattern, values: dict, ids: dict) -> str:
    if name == "wagtail_serve":
        return "/hub/"  # Wagtail's pages (the social hub): its path is positional
    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        kwargs[key] = values.get(key, 1)
        if key == "pk":
            # The pk of what the URL is about: a comment, a notification...
            for word, object_id in ids.items():
                if word in name:
                    kwargs[key] = object_id
    return reverse(name, kwargs=kwargs)


def test_every_form_post_without_a_csrf_token_is_refused(world, monkeypatch, request):
    member, values, ids = world
    rejected: list[str] = []
    original_reject = CsrfViewMiddleware._reject

    def spying_reject(self, req, reason):
        rejected.append(req.path)
        return original_reject(self, req, reason)

    monkeypatch.setattr(CsrfViewMiddleware, "_reject", spying_reject)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    # A forged form on another site gets the browser's CSRF cookie, never the token.
    client.get("/")
    assert settings.CSRF_COOKIE_NAME in client.cookies

    checked, exempt, not_refused, unfilled = [], [], [], []
    for name, pattern in named_patterns(get_resolver()):
        try:
            url = url_for(name, pattern, values, ids)
        except NoReverseMatch:
            unfilled.append(name)  # a new URL parameter: teach `world` a value for it
            continue
        if url.startswith(NOT_CHECKED_PREFIXES):
            continue
        if getattr(pattern.callback, "csrf_exempt", False):
            exempt.append(url)
        response = client.post(url, {"body": "forged", "name": "forged"})
        checked.append(url)
        if response.status_code != 403 or url not in rejected:
            not_refused.append(f"{name} {url}: {response.status_code}")

    report_figure(
        request.config, f"csrf: {len(checked)} endpoints checked, {len(not_refused)} not refused"
    )
    assert len(checked) > 40, checked  # the walk found the app's URLs
    assert unfilled == []
    assert exempt == []
    assert not_refused == []
