"""The app's URLs plus bare views: the raw baselines pages are compared with."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from community.urls import urlpatterns as app_urlpatterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def posts_by_ids(request):
    """The bare SQL a feed page cannot do without (its posts by id), and nothing
    else: no session, template or decoration beyond what middleware adds."""
    ids = [int(i) for i in request.GET["ids"].split(",") if i]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, author_id, group_id, body_html, created_at FROM feed_post "
            "WHERE id = ANY(%s)",
            [ids],
        )
        rows = cursor.fetchall()
    return HttpResponse(str(len(rows)).encode(), content_type="text/plain")


def insert_post(request):
    """One bare INSERT of a post row: the floor of the write path through Django."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO feed_post (author_id, group_id, body, body_html, is_announcement, "
            "is_question, created_at) VALUES (%s, %s, %s, %s, false, false, now()) RETURNING id",
            [request.user.pk, int(request.POST["group"]), "bare", "<p>bare</p>"],
        )
        post_id = cursor.fetchone()[0]
    return HttpResponse(str(post_id).encode(), content_type="text/plain")


urlpatterns = [
    path("__bench/bare", bare),
    path("__bench/ids", posts_by_ids),
    path("__bench/insert", insert_post),
    *app_urlpatterns,
]
