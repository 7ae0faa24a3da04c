from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(related: QuerySet, *, link: str, outer: str = "pk") -> Coalesce:
    """A correlated COUNT(*) of `related` rows whose `link` equals the outer row's
    `outer` column (its primary key by default).

    Unlike annotate(Count(...)) it adds no GROUP BY over the whole list, so with a
    LIMIT the database counts only for the rows on the page.
    """
    counted = (
        related.filter(**{link: OuterRef(outer)})
        .order_by()
        .values(link)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
