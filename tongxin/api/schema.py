"""The OpenAPI document: drf-spectacular, with the error body documented on every operation."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import permissions

from tongxin.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (code `invalid`) or refused by a service (its own code, e.g. "
           "`title_required`, `bad_category`).",
    "401": "No valid token, API key or session (code `not_authenticated`).",
    "403": "Not allowed (`permission_denied`, `not_allowed`, `place_not_allowed`), or outside "
           "the API key's district (`out_of_jurisdiction`).",
    "404": "Not found, or not visible to the caller (`not_found`).",
    "409": "Not possible in the matter's current state (e.g. `not_now`, `already_rated`).",
    "429": "Too many requests (`throttled`).",
    "503": "The database is busy or restarting (`unavailable`): retry after the seconds in "
           "`Retry-After` (a raise sent again with its `Idempotency-Key` is filed once).",
}
# Any operation may meet a database that is restarting or locked (core.middleware).
ALWAYS = {"400", "404", "503"}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.",
                               "required": True, "schema": {"type": "integer", "minimum": 1}}}


class AutoSchema(BaseAutoSchema):
    """Add the error responses each operation can give, all with the one error body.

    A view may name extra statuses in ``error_statuses`` (409 for actions, 429 where
    throttled); 400, 404 and 503 are always possible (bad query, unknown page, a database
    that is restarting).
    """

    def _error_statuses(self):
        statuses = set(ALWAYS)
        if any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions()):
            statuses |= {"401", "403"}
        statuses |= {str(s) for s in getattr(self.view, "error_statuses", ())}
        if self.method not in ("GET", "HEAD", "OPTIONS") and self.view.get_throttles():
            statuses.add("429")  # writes count against the rate limits (core/ratelimit.py)
        return sorted(statuses)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                response = self._get_response_for_code(ErrorSerializer, status,
                                                       direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[status]
                if status == "503":
                    response["headers"] = RETRY_AFTER
                responses[status] = response
        return responses
