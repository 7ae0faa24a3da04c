from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(related: QuerySet, *, link: str) -> Coalesce:
    """A correlated COUNT(*) of `related` rows whose `link` points at the outer row.

    Unlike annotate(Count(...)) it adds no GROUP BY over the whole list, so with a
    LIMIT the database counts only for the rows on the page.
    """
    counted = (
        related.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
