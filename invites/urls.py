from django.urls import path

from . import views

app_name = "invites"
urlpatterns = [
    path("invites/", views.mine, name="mine"),
    path("invites/link/", views.link_create, name="link_create"),
    path("invites/growth/", views.growth, name="growth"),
    path("invites/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("join/<str:token>/", views.join, name="join"),
    path("welcome/", views.welcome, name="welcome"),
    path("welcome/<str:action>/", views.welcome_action, name="welcome_action"),
]
