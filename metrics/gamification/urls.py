"""Included from metrics.urls (namespace "metrics"), under /insights/."""

from django.urls import path

from . import views

urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard/visibility/", views.ranking_visibility, name="ranking_visibility"),
    path("challenges/", views.challenges, name="challenges"),
    path("challenges/new/", views.challenge_new, name="challenge_new"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge_detail"),
    path("challenges/<int:pk>/edit/", views.challenge_edit, name="challenge_edit"),
    path("challenges/<int:pk>/ranking/", views.challenge_ranking, name="challenge_ranking"),
    path("challenges/<int:pk>/join/", views.challenge_join, name="challenge_join"),
    path("challenges/<int:pk>/leave/", views.challenge_leave, name="challenge_leave"),
]
