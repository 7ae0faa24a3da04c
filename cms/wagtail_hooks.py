from django.contrib.auth.views import redirect_to_login
from wagtail import hooks


@hooks.register("before_serve_page")
def members_only(page, request, serve_args, serve_kwargs):
    """The hub is internal: company content is prepared for members, not the world."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None
