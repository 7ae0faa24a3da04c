from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from community.pagination import InvalidCursor, keyset_paginate

from .selectors import people_directory


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    try:
        page = keyset_paginate(
            people_directory(query=query),
            ordering=["display_name", "pk"],
            cursor=request.GET.get("after"),
        )
    except InvalidCursor:
        return render(request, "community/bad_cursor.html", status=400)
    return render(request, "profiles/directory.html", {"page": page, "query": query})
