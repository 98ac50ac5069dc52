"""Page-number pagination with a bounded page size."""

import re

from rest_framework import pagination, serializers

_DIGITS = re.compile(r"^[0-9]+$")


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=2&page_size=100``: 50 a page by default, at most 200.

    A page or page size that is not a whole number of at least 1 is refused (400), as the
    document says, instead of being ignored; a page size over 200 gives 200, a page past
    the last is 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def _whole_number(self, request, name):
        """Return query parameter ``name`` as a whole number of at least 1, None if absent;
        400 otherwise (DRF would take an empty one for 1 and ignore a bad page size)."""
        raw = request.query_params.get(name)
        if raw is None:
            return None
        messages = serializers.IntegerField.default_error_messages
        if not _DIGITS.match(raw):
            raise serializers.ValidationError({name: [messages["invalid"]]})
        if int(raw) < 1:
            raise serializers.ValidationError({name: [messages["min_value"].format(min_value=1)]})
        return int(raw)

    def get_page_number(self, request, paginator):
        return self._whole_number(request, self.page_query_param) or 1

    def get_page_size(self, request):
        size = self._whole_number(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (f"Number of results to return per page (default "
                                            f"{self.page_size}, at most {self.max_page_size}).")
        return parameters
