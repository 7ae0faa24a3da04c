from django.urls import path

from . import views

app_name = "cms"

urlpatterns = [
    path("hub/items/<int:pk>/share/", views.share, name="share"),
    path("hub/impact/", views.impact, name="impact"),
    path("hub/submit/", views.submit, name="submit"),
    path("hub/digest/", views.digest, name="digest"),
    path("hub/wall/<str:token>/", views.wall, name="wall"),
    path("s/<str:code>", views.short_link, name="short_link"),
]
