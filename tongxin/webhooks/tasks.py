"""Background work for webhooks, run by the django-tasks database worker (``tongxin db_worker``)."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id):
    """Send one delivery (queued when it commits); return its status."""
    from tongxin.webhooks.services import deliver

    delivery = deliver(delivery_id)
    return delivery.status if delivery is not None else None


@task()
def retry_webhooks():
    """Send every delivery whose retry has come; return counts by outcome."""
    from tongxin.webhooks.services import retry_due_deliveries

    return retry_due_deliveries()
