from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/cover/", views.cover, name="cover"),
    path("<slug:slug>/archive/", views.archive, name="archive"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<int:pk>/", views.member_update, name="member_update"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path(
        "<slug:slug>/requests/<int:pk>/<str:decision>/",
        views.request_decide,
        name="request_decide",
    ),
    path(
        "<slug:slug>/invitation/<str:decision>/",
        views.invitation_decide,
        name="invitation_decide",
    ),
]
