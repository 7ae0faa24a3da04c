"""Fixtures for the API tests: tokens, clients that send them, insight readers."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import TokenScope
from profiles.services import token_create
from tests.factories import UserFactory


def token_for(user, scope: str = TokenScope.READ, *, name: str = "script", **kwargs):
    """A new token of `user`: (AccessToken, secret)."""
    return token_create(actor=user, name=name, scope=scope, **kwargs)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def session_client():
    """`session_client(user)`: a client logged in through the session cookie."""

    def make(user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def insights_reader(db):
    """A community manager: may read metrics."""
    user = UserFactory()
    user.profile.is_community_manager = True
    user.profile.save(update_fields=["is_community_manager"])
    return user
