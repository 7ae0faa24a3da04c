from django.urls import path

from . import views

app_name = "metrics"
urlpatterns = [
    path("", views.insights, name="insights"),
    path("leaders/", views.leaders, name="leaders"),
]
