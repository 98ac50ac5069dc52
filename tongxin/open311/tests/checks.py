"""Check Open311 answers against the JSON schemas in open311/schemas/: JSON with
jsonschema, XML structurally, by walking the same schema over the element tree.

The XML item names are written down here from the spec, not imported from the code
under test, so a renamed element is caught.
"""

import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import jsonschema

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
# GeoReport v2 (and FixMyStreet) XML: the root of each answer and the element of each item.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
}
ROOTS = {
    "services": "services",
    "service_definition": "service_definition",
    "service_requests": "service_requests",
    "post_response": "service_requests",
    "token": "service_requests",
    "errors": "errors",
    "request_updates": "service_request_updates",
    "discovery": "discovery",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


@cache
def schema(name):
    document = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def schema_for(method, url, status):
    """Return the name of the schema an answer to ``method url`` with ``status`` follows."""
    if status >= 400:
        return "errors"
    path = urlparse(url).path.split("/open311/v2/", 1)[1].rsplit(".", 1)[0]
    if path == "services":
        return "services"
    if path.startswith("services/"):
        return "service_definition"
    if path == "requests":
        return "post_response" if method.upper() == "POST" else "service_requests"
    if path.startswith("requests/"):
        return "service_requests"
    if path.startswith("tokens/"):
        return "token"
    if path == "servicerequestupdates":
        return "request_updates"
    if path == "discovery":
        return "discovery"
    raise AssertionError(f"no schema for {url}")


def check_json(name, body):
    """Validate a JSON answer (bytes or parsed) against the named schema; return it parsed."""
    data = json.loads(body) if isinstance(body, (bytes, str)) else body
    jsonschema.validate(data, schema(name), cls=jsonschema.Draft202012Validator)
    return data


# --- XML ----------------------------------------------------------------------------------------


def _resolve(node, root_schema):
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return root_schema["$defs"][name]
    return node


def _types(node):
    kind = node.get("type", [])
    return set([kind] if isinstance(kind, str) else kind)


def _check_scalar(text, node, where):
    text = text or ""
    if "anyOf" in node:
        failures = []
        for option in node["anyOf"]:
            try:
                _check_scalar(text, option, where)
                return
            except AssertionError as error:
                failures.append(str(error))
        raise AssertionError(f"{where}: {text!r} matches none of {failures}")
    types = _types(node)
    if not text and ("null" in types or (not types and "enum" not in node)):
        return
    if "enum" in node:
        assert text in [str(v) for v in node["enum"]], f"{where}: {text!r} not in {node['enum']}"
        return
    if "string" in types:
        if "pattern" in node:
            assert re.search(node["pattern"], text), f"{where}: {text!r} !~ {node['pattern']}"
        return
    if "boolean" in types:
        assert text in ("true", "false"), f"{where}: {text!r} is not true/false"
    elif "integer" in types:
        assert re.fullmatch(r"-?\d+", text), f"{where}: {text!r} is not an integer"
    elif "number" in types:
        float(text)
    else:
        raise AssertionError(f"{where}: cannot check {node}")


def _check(element, node, root_schema, where):
    node = _resolve(node, root_schema)
    types = _types(node)
    if "array" in types:
        item = XML_ITEMS[element.tag]
        assert (element.text or "").strip() == "", f"{where}: text in a list element"
        for index, child in enumerate(element):
            assert child.tag == item, f"{where}: <{child.tag}> where <{item}> was expected"
            _check(child, node["items"], root_schema, f"{where}/{item}[{index}]")
        if "minItems" in node:
            assert len(element) >= node["minItems"], f"{where}: fewer than {node['minItems']}"
        return
    if "object" in types:
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), f"{where}: repeated elements {tags}"
        unknown = set(tags) - set(node["properties"])
        assert not unknown, f"{where}: unexpected elements {unknown}"
        missing = set(node.get("required", [])) - set(tags)
        assert not missing, f"{where}: missing elements {missing}"
        for alternative in node.get("anyOf", []):
            if set(alternative.get("required", [])) <= set(tags):
                break
        else:
            assert "anyOf" not in node, f"{where}: none of {node['anyOf']}"
        for child in element:
            _check(child, node["properties"][child.tag], root_schema, f"{where}/{child.tag}")
        return
    assert len(element) == 0, f"{where}: nested elements in a scalar"
    _check_scalar(element.text, node, where)


def check_xml(name, body):
    """Check an XML answer's declaration, root and elements against the named schema."""
    assert body.startswith(XML_DECLARATION), body[:60]
    root = ET.fromstring(body)
    assert root.tag == ROOTS[name], f"root <{root.tag}>, expected <{ROOTS[name]}>"
    _check(root, schema(name), schema(name), root.tag)
    return root


def check_response(method, url, status, content_type, body):
    """Check one HTTP answer of the Open311 endpoints by its format; return the schema name."""
    name = schema_for(method.upper(), url, status)
    if urlparse(url).path.endswith(".json"):
        assert content_type == "application/json; charset=utf-8", content_type
        check_json(name, body)
    else:
        assert content_type == "text/xml; charset=utf-8", content_type
        check_xml(name, body)
    return name
