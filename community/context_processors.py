from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main navigation, with the current section marked for aria-current."""
    items = [
        ("feed", _("Feed"), reverse("home")),
        ("groups", _("Groups"), reverse("groups:directory")),
        ("people", _("People"), reverse("profiles:directory")),
        ("hub", _("Hub"), "/hub/"),
        ("insights", _("Insights"), reverse("metrics:insights")),
    ]
    # Search is reached from the header box, not a menu item; still "current".
    if request.path.startswith(reverse("search:results")):
        return {
            "nav_items": items,
            "nav_current": "search",
            "organisation": settings.BUZZ_ORGANISATION_NAME,
        }
    path = request.path
    current = next(
        (key for key, _label, url in items if url != "/" and path.startswith(url)),
        "feed" if path == "/" else None,
    )
    return {
        "nav_items": items,
        "nav_current": current,
        "organisation": settings.BUZZ_ORGANISATION_NAME,
    }
