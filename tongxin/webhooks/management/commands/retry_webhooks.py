"""Retry webhook deliveries whose next attempt has come: once, every N seconds, or queued.

    tongxin retry-webhooks                # one pass now, print the counts
    tongxin retry-webhooks --every 60     # a pass every minute until stopped
    tongxin retry-webhooks --enqueue      # queue one pass for `tongxin db_worker`

First attempts are queued when the deliveries of an event commit; this command sends the
retries (and anything that was never queued). Each delivery is claimed before it is
sent, so running it often, or twice at once, sends nothing twice.
"""

from django.utils import timezone

from tongxin.core.periodic import PeriodicCommand
from tongxin.webhooks.tasks import retry_webhooks


class Command(PeriodicCommand):
    help = "Send the webhook deliveries whose retry has come (after 1 min, 5 min … 12 h)."
    task = retry_webhooks
    noun = "webhook retry pass"

    def report(self, counts):
        return (
            "{:%Y-%m-%d %H:%M:%S} delivered {succeeded}, waiting {pending}, gave up {gave_up}, "
            "failed {failed}".format(timezone.localtime(), **counts)
        )
