"""Errors that services raise: a stable code for machines, a translated message for people."""

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A refused operation. ``code`` is stable across languages; ``message`` is translated."""

    def __init__(self, code, message, params=None):
        super().__init__(message, code=code, params=params)


class PermissionDenied(ServiceError):
    """The acting person may not do this here."""
