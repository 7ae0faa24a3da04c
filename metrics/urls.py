from django.urls import include, path, re_path

from . import views

app_name = "metrics"
urlpatterns = [
    path("", views.insights, name="insights"),
    path("leaders/", views.leaders, name="leaders"),
    path("baseline/", views.baseline, name="baseline"),
    re_path(r"^reports/(?P<month>\d{4}-\d{2})\.(?P<fmt>[a-z]+)$", views.report, name="report"),
    path("", include("metrics.gamification.urls")),
]
