"""The API's parsers: DRF's, with their refusals in the caller's language, and JSON nested
too deeply for Python's parser refused (400) instead of crashing (RecursionError)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, RecursionError):
            raise ParseError(_("The request body is not valid JSON in UTF-8.")) from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The request body is not valid multipart form data.")) from None
