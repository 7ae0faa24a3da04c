"""Background work of search, run by the task backend (a worker in production)."""

from django.tasks import task

from .services import outbox_drain


@task
def search_outbox_drain() -> dict[str, int | bool]:
    """Send what changed to the search backend; failures wait in the outbox.
    Recounts the expertise of members whose evidence changed as well."""
    result = outbox_drain()
    return {
        "recounted": result.recounted,
        "indexed": result.indexed,
        "removed": result.removed,
        "failed": result.failed,
        "backing_off": result.skipped_backend_down,
    }
