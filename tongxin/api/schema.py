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
}


class AutoSchema(BaseAutoSchema):
    """Add the error responses each operation can give, all with the one error body.

    A view may name extra statuses in ``error_statuses`` (409 for actions, 429 where
    throttled); 400 and 404 are always possible (bad query, unknown page).
    """

    def _error_statuses(self):
        statuses = {"400", "404"}
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
                responses[status] = response
        return responses
