"""Background work for smart triage, run by the django-tasks database worker (``tongxin db_worker``)."""

from django_tasks import task


@task()
def train_triage_task(district_id, reason="", by_id=None):
    """Train the district's category suggester; activate it if it is no worse.

    Queued when a suggestion finds no model, from the routing page's "retrain now", or
    by ``tongxin train-triage --enqueue``. A queued "no model" training that finds a
    model already active (another process was first) does nothing."""
    from tongxin.people.models import Person
    from tongxin.places.models import Place
    from tongxin.triage.models import TriageModel
    from tongxin.triage.training import train

    if reason == "no_model" and TriageModel.objects.filter(
            district_id=district_id, is_active=True).exists():
        return None
    by = Person.objects.filter(pk=by_id).first() if by_id else None
    record = train(Place.objects.get(pk=district_id), by=by)
    return {"version": record.version, "activated": record.is_active,
            "reason": record.comparison.get("reason")}
