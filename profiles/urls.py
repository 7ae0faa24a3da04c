from django.urls import path

from . import views

app_name = "profiles"
# Fixed paths come before <username>/ so they are never read as a username.
urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/edit/", views.edit, name="edit"),
    path("me/export.json", views.export, name="export"),
    path("me/delete/", views.deletion, name="deletion"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("tags/autocomplete", views.tag_autocomplete, name="tag_autocomplete"),
    path("<str:username>/", views.detail, name="detail"),
    path("<str:username>/followers/", views.followers, name="followers"),
    path("<str:username>/following/", views.following, name="following"),
    path("<str:username>/follow/", views.follow, name="follow"),
    path("<str:username>/endorse/", views.endorse, name="endorse"),
    path("<str:username>/kudos/", views.kudos, name="kudos"),
]
