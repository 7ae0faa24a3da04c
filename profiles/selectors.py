from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Profile


def people_directory(*, query: str = "") -> QuerySet[Profile]:
    """Active members, with department joined; deactivated members never appear."""
    people = Profile.objects.filter(user__is_active=True).select_related("department")
    if query:
        people = people.filter(
            Q(display_name__icontains=query)
            | Q(job_title__icontains=query)
            | Q(department__name__icontains=query)
        )
    return people
