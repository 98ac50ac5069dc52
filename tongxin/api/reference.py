"""The API reference page: the generated OpenAPI document rendered as plain HTML.

drf-spectacular's Swagger UI and Redoc load their scripts from a CDN, which the app may
not reach (and must not depend on); this page needs no script at all.
"""

from django.shortcuts import render
from django.utils.translation import get_language
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
_cache = {}


def openapi_document():
    """Return the generated document (as a dict), once per language and process."""
    language = get_language()
    if language not in _cache:
        _cache[language] = SchemaGenerator().get_schema(request=None, public=True)
    return _cache[language]


def _ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def describe(schema):
    """Return a short text for a JSON schema: a type, a component name, an enum …"""
    if not schema:
        return ""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for combinator, word in (("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")):
        if combinator in schema:
            return word.join(describe(part) for part in schema[combinator])
    if "enum" in schema:
        return "enum: " + ", ".join(repr(v) if v == "" else str(v) for v in schema["enum"])
    kind = schema.get("type", "object")
    if kind == "array":
        text = f"array of {describe(schema.get('items', {}))}"
    elif kind == "object" and "additionalProperties" in schema:
        text = f"object of {describe(schema['additionalProperties'])}"
    else:
        text = kind
    if schema.get("format"):
        text += f" ({schema['format']})"
    limits = [f"{word} {schema[key]}" for key, word in (
        ("minimum", "≥"), ("maximum", "≤"), ("minLength", "min length"),
        ("maxLength", "max length"), ("pattern", "pattern"), ("maxItems", "max items"))
        if key in schema]
    if limits:
        text += " — " + ", ".join(limits)
    if schema.get("nullable"):
        text += ", nullable"
    return text


def _content(content):
    return [{"media_type": media_type, "schema": describe(body.get("schema", {})),
             "is_ref": "$ref" in body.get("schema", {})}
            for media_type, body in (content or {}).items()]


def operations(document):
    """Return the operations of ``document`` grouped by tag, in path order."""
    groups = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append({
                "id": operation.get("operationId", f"{method}-{path}"),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "security": [name for requirement in operation.get("security", [])
                             for name in requirement],
                "parameters": [{
                    "name": p["name"], "in": p["in"], "required": p.get("required", False),
                    "schema": describe(p.get("schema", {})),
                    "description": p.get("description", ""),
                } for p in operation.get("parameters", [])],
                "request": _content((operation.get("requestBody") or {}).get("content")),
                "responses": [{
                    "status": status, "description": response.get("description", ""),
                    "content": _content(response.get("content")),
                } for status, response in sorted(operation.get("responses", {}).items())],
            })
    return sorted(groups.items())


def components(document):
    """Return the schema components: each with its properties (or its enum)."""
    result = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result.append({
            "name": name,
            "description": schema.get("description", ""),
            "summary": "" if "properties" in schema else describe(schema),
            "properties": [{
                "name": prop, "schema": describe(body), "required": prop in required,
                "read_only": body.get("readOnly", False),
                "description": body.get("description", ""),
            } for prop, body in schema.get("properties", {}).items()],
        })
    return result


def reference(request):
    """Show every path, method, parameter, body and response of the API, no script needed."""
    document = openapi_document()
    return render(request, "api/reference.html", {
        "info": document.get("info", {}),
        "groups": operations(document),
        "components": components(document),
        "schemes": document.get("components", {}).get("securitySchemes", {}),
    })
