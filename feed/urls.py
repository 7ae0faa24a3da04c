from django.urls import path

from . import views

app_name = "feed"
urlpatterns = [
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/restore/", views.post_restore, name="post_restore"),
    path("posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("posts/<int:pk>/react/", views.react, name="react"),
    path("posts/<int:pk>/accept/", views.accept_answer, name="accept_answer"),
    path("posts/<int:pk>/history/", views.history, name="history"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/restore/", views.comment_restore, name="comment_restore"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/react/", views.comment_react, name="comment_react"),
    path("posts/<int:pk>/pin/", views.pin, name="pin"),
    path("posts/<int:pk>/save/", views.bookmark, name="bookmark"),
    path("posts/<int:pk>/vote/", views.vote, name="vote"),
    path("posts/<int:pk>/report/", views.report, name="report"),
    path("saved/", views.saved, name="saved"),
    path("mentions/", views.mentions, name="mentions"),
    path("people/<str:username>/posts/", views.profile_posts, name="profile_posts"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/reports/<int:pk>/", views.resolve, name="resolve"),
    path("tags/<str:tag>/", views.hashtag, name="hashtag"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("mute/", views.mute, name="mute"),
]
