"""Errors that services raise: a stable code for machines, a translated message for people.

``field`` names the input the error is about (a form shows it beside that field, the API
puts it in the error body); None means the request as a whole.
"""

from django.core.exceptions import ValidationError

from tongxin.kernel import registry


class ServiceError(ValidationError):
    """A refused operation. ``code`` is stable across languages; ``message`` is translated."""

    def __init__(self, code, message, params=None, *, field=None):
        super().__init__(message, code=code, params=params)
        self._field = field

    @property
    def field(self):
        """The input the error is about: given when raised, or the one the app that owns
        the code declared for it (registry ``error_fields``); None for the whole request."""
        return self._field or registry.error_field(self.code)


class PermissionDenied(ServiceError):
    """The acting person may not do this here."""


class TransitionError(ServiceError):
    """The action is not allowed for this record now, or not for this person."""
