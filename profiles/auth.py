"""Authentication: Django's model backend, with the member's profile loaded."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    """Django's ModelBackend, but the user of a request (page or websocket)
    comes with their profile in the same query: nearly every page shows it, so
    this is one query a request fewer."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("profile").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
