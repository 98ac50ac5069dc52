import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(24)


class Open311Request(models.Model):
    """What an Open311 client sent with a matter that a Matter has no field for.

    Location (lat/long, address_string) goes on the matter itself; the media URL,
    the client's own account id and the token a client may poll with stay here.
    E-mail and device_id are accepted by the endpoint and stored nowhere.
    """

    matter = models.OneToOneField("matters.Matter", verbose_name=_("matter"),
                                  on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey("api.ApiKey", verbose_name=_("API key"),
                                on_delete=models.PROTECT, related_name="open311_requests")
    account_id = models.CharField(_("client account id"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self):
        return f"Open311 {self.matter_id}"
