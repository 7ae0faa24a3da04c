"""Background work of webhooks, run by the task backend (a worker in production)."""

from django.tasks import task

from .services import webhook_delivery_attempt


@task
def webhook_deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; failures wait for `manage.py webhooks_retry`."""
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None
