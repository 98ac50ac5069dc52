"""Background work for hot issues, run by the django-tasks database worker (``tongxin db_worker``)."""

from django_tasks import task


@task()
def refresh_hot_issues_task(stale_hours=None):
    """Compute again the stored hot issues of every street and district a change touched
    (computing.refresh_dirty); with ``stale_hours``, also those computed longer ago.
    Queued, debounced, by the ``matters.*`` subscriber and by ``tongxin refresh-hot-issues``."""
    from datetime import timedelta

    from tongxin.hotspots.computing import refresh_dirty

    stale = timedelta(hours=stale_hours) if stale_hours is not None else None
    return refresh_dirty(stale_after=stale)
