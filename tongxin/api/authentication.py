"""Who is calling: an app with a token, a partner system with an API key, or staff signed
in to the pages (for the reference page and trying things out)."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tongxin.api.keys import check_key
from tongxin.api.tokens import check_token

API_KEY_HEADER = "X-Api-Key"
API_KEY_KEYWORD = "Api-Key"
_KEY_SHAPE = re.compile(r"^[0-9A-Za-z]{1,12}\.[0-9A-Za-z_\-]{1,128}$")
_TOKEN_SHAPE = re.compile(r"^[0-9a-f]{40}$")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``X-Api-Key: <prefix>.<secret>`` or ``Authorization: Api-Key <prefix>.<secret>``.

    The request acts as the key's account; ``request.auth`` is the ApiKey, whose
    district limits everything the request reads and files (api.permissions).
    """

    def authenticate(self, request):
        text = request.META.get("HTTP_X_API_KEY")
        if text is None:
            parts = authentication.get_authorization_header(request).split()
            if not parts or parts[0].lower() != API_KEY_KEYWORD.lower().encode():
                return None
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed(_("Invalid API key."))
            try:
                text = parts[1].decode("ascii")
            except UnicodeError:
                raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        text = text.strip()
        key = check_key(text) if _KEY_SHAPE.match(text) else None
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        return key.account, key

    def authenticate_header(self, request):
        return API_KEY_KEYWORD


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` (POST /api/v1/auth/token/ hands one out).

    ``request.auth`` is the AccessToken; api.tokens says when one is no longer live.
    """

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = check_token(key) if _TOKEN_SHAPE.match(key) else None
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token: sign in again."))
        return token.person, token

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": API_KEY_HEADER,
            "description": "A partner system's key, `<prefix>.<secret>`; it acts as its account "
                           "and never reads or files outside its district.",
        }


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <key>`, from POST /api/v1/auth/token/. A token dies after "
                           "30 days unused or 90 days after it was issued (settings "
                           "TONGXIN_API_TOKEN_IDLE_DAYS, TONGXIN_API_TOKEN_MAX_DAYS), when "
                           "its owner revokes it (DELETE /api/v1/auth/token/) or signs out "
                           "on the pages, when an administrator revokes it, and when the "
                           "password changes, the account is locked or deactivated; then "
                           "the answer is 401 and the app signs in again.",
        }
