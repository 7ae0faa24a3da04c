"""ASGI entry point: HTTP goes to Django, websockets to feed.routing (and the hub
wall's socket to cms.routing).

Run with `daphne asgi:application`.
"""

from community.startup import load_settings_or_exit

load_settings_or_exit()

from django.core.asgi import get_asgi_application  # noqa: E402

# Set up Django (apps, settings) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cms.routing import websocket_urlpatterns as wall_websockets  # noqa: E402
from feed.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*wall_websockets, *websocket_urlpatterns]))
        ),
    }
)
