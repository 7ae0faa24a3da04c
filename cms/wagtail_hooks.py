from django.contrib.auth.views import redirect_to_login
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views
from .selectors import user_may_see_hub_figures


@hooks.register("before_serve_page")
def members_only(page, request, serve_args, serve_kwargs):
    """The hub is internal: company content is prepared for members, not the world."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


class HubImpactMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_may_see_hub_figures(request.user)


@hooks.register("register_admin_urls")
def hub_impact_urls():
    return [path("hub-impact/", admin_views.hub_impact, name="cms_hub_impact")]


@hooks.register("register_admin_menu_item")
def hub_impact_menu_item():
    return HubImpactMenuItem(
        _("Hub impact"), reverse("cms_hub_impact"), icon_name="table", order=250
    )
