"""Page-number pagination with a bounded page size."""

import re

from rest_framework import pagination, serializers

_DIGITS = re.compile(r"^[0-9]+$")


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=2&page_size=100``: 50 a page by default, at most 200.

    A page size that is not a whole number of at least 1 is refused (400), as the document
    says, instead of being ignored; a larger one than 200 gives 200.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        messages = serializers.IntegerField.default_error_messages
        if not _DIGITS.match(raw):
            message = messages["invalid"]
        elif int(raw) < 1:
            message = messages["min_value"].format(min_value=1)
        else:
            message = None
        if message is not None:
            raise serializers.ValidationError({self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (f"Number of results to return per page (default "
                                            f"{self.page_size}, at most {self.max_page_size}).")
        return parameters
