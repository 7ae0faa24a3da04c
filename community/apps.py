from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # Logins and Django admin changes reach the audit log through signals.
        from . import receivers  # noqa: F401
