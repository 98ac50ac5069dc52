"""Write Open311 answers as XML or JSON, both UTF-8, and the spec's error lists.

The same Python value renders in both formats: a list becomes a JSON array or a root
element holding one element per item (named by ITEM_TAGS), a dict becomes an object
or an element per key, None becomes null or an empty element, booleans true/false.
"""

import json
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
# The element of each item inside a list-valued element (GeoReport v2 and FixMyStreet).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    """An answer in the spec's error format: an HTTP status and one or more descriptions."""

    def __init__(self, status, *descriptions):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _fill(element, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _fill(ET.SubElement(element, ITEM_TAGS[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root, value):
    """Return the XML document (bytes, UTF-8, with its declaration) for ``value``."""
    element = ET.Element(root)
    _fill(element, value)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        return super().default(o)


def to_json(value):
    return json.dumps(value, ensure_ascii=False, cls=_Encoder).encode("utf-8")


def respond(fmt, root, value, status=200):
    """Return ``value`` as an HTTP response in ``fmt``; ``root`` names the XML root element."""
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt, error):
    """Return the spec's error list: [{code, description}], the code being the HTTP status."""
    items = [{"code": error.status, "description": d} for d in error.descriptions]
    return respond(fmt, "errors", items, status=error.status)


def error_response(request, status, code, message):
    """The core.error_response hook: answer an error on an /open311/ path (an unknown
    resource, an unavailable database) with the spec's error list, else None."""
    path = request.path_info
    if not path.startswith("/open311/"):
        return None
    return errors("xml" if path.endswith(".xml") else "json", Open311Error(status, message))
