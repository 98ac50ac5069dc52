"""Template context for every page: how many unread notices the signed-in person has."""

from tongxin.notices.models import Notice


def unread_count(request):
    """Add ``unread_notices`` (one COUNT query) for a signed-in person; nothing otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": Notice.objects.filter(recipient=user, read_at__isnull=True).count()}
