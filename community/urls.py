from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from feed import views as feed_views

from . import views
from .api import api

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    # Before Django's own auth urls: the login form with the failed-login lockout.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("groups/", include("groups.urls")),
    path("", include("feed.urls")),
    path("", include("invites.urls")),
    path("people/", include("profiles.urls")),
    path("insights/", include("metrics.urls")),
    path("search/", include("search.urls")),
    path("", include("cms.urls")),
    path("admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves the social hub and its items (/hub/...); it comes last so it
# never shadows the app's own routes.
urlpatterns.append(path("", include(wagtail_urls)))
