from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key a partner system (a 12345 hotline, an Open311 client) signs its requests with.

    The key acts as its ``account``: a person whose roles decide what the key may read
    and file, through the same ``visible_to`` and services as the pages. ``district``
    is the jurisdiction: a key never reads or files outside it. Only a hash of the key
    is stored; the key itself is shown once, when issued (api.keys.issue_key).
    """

    name = models.CharField(_("name"), max_length=100)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acts as"),
                                on_delete=models.PROTECT, related_name="api_keys")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("organisation"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="api_keys")
    district = models.ForeignKey("places.Place", verbose_name=_("jurisdiction"),
                                 on_delete=models.PROTECT, related_name="+")
    default_place = models.ForeignKey(
        "places.Place", verbose_name=_("where filed matters land by default"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class AccessToken(models.Model):
    """A sign-in token of the REST API, handed out by POST /api/v1/auth/token/.

    Only the SHA-256 of its key is kept (``key_hash``) and the key's first eight
    characters (``prefix``), to tell tokens apart. ``auth_hash`` is the person's session
    hash at issue: a new password or ended sign-ins make it stale. api.tokens decides
    whether a token is live (expiry, revocation, the person's state).
    """

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                               on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("key begins with"), max_length=8)
    auth_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("issued at"))
    last_used_at = models.DateTimeField(_("last used at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.person})"
