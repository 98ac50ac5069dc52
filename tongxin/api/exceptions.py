"""One error body for the whole API: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable across languages, for machines; ``message`` is for people, in the
language LocaleMiddleware chose from Accept-Language (Simplified Chinese by default);
``fields`` (optional) maps a field name to its messages. Services raise ServiceError
(400), PermissionDenied (403) and TransitionError (409) with their own codes; DRF's
errors keep their status and get a code from the table below.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from tongxin.core.ratelimit import Limited
from tongxin.kernel.errors import PermissionDenied, ServiceError, TransitionError

# DRF exceptions → our stable codes (the rest keep DRF's own default_code).
CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class ApiError(exceptions.APIException):
    """An error with our own stable code and a translated message."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "error"
    default_detail = gettext_lazy("The request cannot be carried out.")

    def __init__(self, code, message, *, status_code=None, fields=None):
        super().__init__(detail=force_str(message), code=code)
        self.error_code = code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


class OutOfJurisdiction(ApiError):
    """An API key asked to read or file outside its district."""

    status_code = status.HTTP_403_FORBIDDEN

    def __init__(self, message=None):
        super().__init__(
            "out_of_jurisdiction",
            message or _("This lies outside the district your API key is issued for."),
        )


def error_body(code, message, fields=None):
    body = {"code": code, "message": force_str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def flatten_errors(detail, prefix=""):
    """Turn DRF's nested error detail into {"field" or "field.0.sub": [messages]}."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                flat[prefix or "non_field_errors"] = [force_str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    elif detail is not None:
        flat[prefix or "non_field_errors"] = [force_str(detail)]
    return flat


def _service_error(exc):
    message = " ".join(force_str(m) for m in exc.messages)
    if isinstance(exc, PermissionDenied):
        status_code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, TransitionError):
        status_code = status.HTTP_409_CONFLICT
    else:
        status_code = status.HTTP_400_BAD_REQUEST
    code = exc.code or "invalid"
    field = exc.field
    return status_code, code, message, ({field: [message]} if field else None)


def _validation_message(fields):
    """Return the top-level message of a validation error: the first problem, named."""
    if not fields:
        return exceptions.ValidationError.default_detail
    name, messages = next(iter(fields.items()))
    if name == "non_field_errors":
        return messages[0]
    return _("%(field)s: %(message)s") % {"field": name, "message": messages[0]}


def exception_handler(exc, context):
    """Render every error the API raises as one body, with the status it deserves."""
    headers = {}
    fields = None
    if isinstance(exc, Limited):  # a service's rate limit (core.ratelimit): as DRF's Throttled
        status_code, code, message = 429, "throttled", force_str(exc.messages[0])
        headers["Retry-After"] = "%d" % exc.retry_after
    elif isinstance(exc, ServiceError):
        status_code, code, message, fields = _service_error(exc)
    elif isinstance(exc, DjangoValidationError):  # a model's own check, not a service's
        status_code, code = 400, "invalid"
        message = " ".join(force_str(m) for m in exc.messages)
    elif isinstance(exc, Http404):
        status_code, code, message = 404, "not_found", exceptions.NotFound.default_detail
    elif isinstance(exc, DjangoPermissionDenied):
        status_code, code = 403, "permission_denied"
        message = exceptions.PermissionDenied.default_detail
    elif isinstance(exc, ApiError):
        status_code, code, message, fields = (exc.status_code, exc.error_code, exc.detail,
                                              exc.fields)
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        code = next((c for cls, c in CODES.items() if isinstance(exc, cls)), None)
        code = code or getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.ValidationError):
            fields = flatten_errors(exc.detail)
            message = _validation_message(fields)
        elif isinstance(exc.detail, (list, dict)):
            message = next(iter(flatten_errors(exc.detail).values()), [exc.default_detail])[0]
        else:
            message = exc.detail
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = "%d" % exc.wait
    else:
        return None  # a real bug: let Django log it and answer 500
    set_rollback()
    return Response(error_body(code, message, fields), status=status_code, headers=headers)
