"""The app's URLs plus a bare view: the raw baseline every page is compared with."""

from django.http import HttpResponse
from django.urls import path

from community.urls import urlpatterns as app_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench/bare", bare), *app_urlpatterns]
