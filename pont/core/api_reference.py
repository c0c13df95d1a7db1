"""The API's reference page: the OpenAPI document read out as an accessible page of Pont's own.

django-ninja's page is Swagger UI, a script that draws the document in the browser; its
markup fails WCAG 2.2 AA in ways a stylesheet cannot mend (controls inside controls, a
select without a label, targets under 24 pixels). This page says the same from the same
document, drawn on the server in GOV.UK Frontend's patterns: each operation with its
parameters, body and answers, then each data shape with its fields and examples. The
document itself (`/api/v1/openapi.json`) stays the machine-readable source.
"""

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

REF_PREFIX = "#/components/schemas/"
CODE_SPAN = re.compile(r"`([^`]+)`")
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Type:
    """A JSON Schema type told in words, and the data shape it names, if any."""

    text: str
    shape: str = ""


@dataclass
class Field:
    name: str
    type: Type
    required: bool
    description: str = ""
    where: str = ""  # a parameter's place: path, query, header


@dataclass
class Answer:
    status: str
    description: str
    type: Type | None
    headers: list[Field]


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    body: Type | None
    answers: list[Answer]
    needs_key: bool


@dataclass
class Shape:
    name: str
    description: str
    fields: list[Field]
    examples: list[str] = field(default_factory=list)
    values: str = ""  # a shape that is not an object (a list of codes): its type in words


def prose(text: str) -> SafeString:
    """A description as the document writes it (Markdown's `code` spans in backticks): escaped,
    each code span shown as code."""
    return mark_safe(CODE_SPAN.sub(r"<code>\1</code>", escape(text)))  # noqa: S308 - escaped first


def describe(schema: dict[str, Any]) -> Type:
    """A schema's type in words: "string (date-time)", "one of: a, b", "array of Shape",
    "integer from 1 to 100", "Shape or null"; a named shape is kept to link to."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return Type(name, name)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [describe(option) for option in options if option.get("type") != "null"]
        nullable = len(kinds) < len(options)
        text = _(" or ").join(kind.text for kind in kinds)
        if nullable:
            text = _("%(type)s or null") % {"type": text}
        shape = kinds[0].shape if len(kinds) == 1 else ""
        return Type(text, shape)
    if "enum" in schema:
        return Type(_("one of: %(values)s") % {"values": ", ".join(map(str, schema["enum"]))})
    kind = schema.get("type", _("any value"))
    if kind == "array":
        item = describe(schema.get("items", {}))
        return Type(_("array of %(type)s") % {"type": item.text}, item.shape)
    text = str(kind)
    if "format" in schema:
        text = f"{text} ({schema['format']})"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        text = _("%(type)s from %(low)s to %(high)s") % {"type": text, "low": low, "high": high}
    if "maxLength" in schema:
        text = _("%(type)s, at most %(count)s characters") % {
            "type": text,
            "count": schema["maxLength"],
        }
    return Type(text)


def _json_body(content: dict[str, Any] | None) -> Type | None:
    schema = (content or {}).get("application/json", {}).get("schema")
    return None if schema is None else describe(schema)


def _operation(path: str, method: str, spec: dict[str, Any]) -> Operation:
    parameters = [
        Field(
            name=parameter["name"],
            type=describe(parameter.get("schema", {})),
            required=bool(parameter.get("required")),
            description=prose(parameter.get("description", "")),
            where=parameter.get("in", ""),
        )
        for parameter in spec.get("parameters", [])
    ]
    answers = [
        Answer(
            status=str(status),
            description=answer.get("description", ""),
            type=_json_body(answer.get("content")),
            headers=[
                Field(
                    name,
                    describe(header.get("schema", {})),
                    False,
                    prose(header.get("description", "")),
                )
                for name, header in answer.get("headers", {}).items()
            ],
        )
        for status, answer in sorted(spec.get("responses", {}).items(), key=lambda i: str(i[0]))
    ]
    return Operation(
        anchor=spec["operationId"],  # ninja gives every operation one
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=prose(spec.get("description", "")),
        parameters=parameters,
        body=_json_body(spec.get("requestBody", {}).get("content")),
        answers=answers,
        needs_key=bool(spec.get("security")),
    )


def _shape(name: str, schema: dict[str, Any]) -> Shape:
    required = set(schema.get("required", []))
    return Shape(
        name=name,
        description=prose(schema.get("description", "")),
        fields=[
            Field(key, describe(value), key in required, prose(value.get("description", "")))
            for key, value in schema.get("properties", {}).items()
        ],
        examples=[json.dumps(example, indent=2) for example in schema.get("examples", [])],
        values="" if "properties" in schema else describe(schema).text,
    )


def reference(document: dict[str, Any]) -> dict[str, Any]:
    """The page's content from an OpenAPI document: operations grouped by their first tag, in
    the document's order, then the data shapes."""
    groups: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                spec = item[method]
                tag = (spec.get("tags") or [""])[0]
                groups.setdefault(tag, []).append(_operation(path, method, spec))
    shapes = [
        _shape(name, schema)
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    ]
    info = document.get("info", {})
    return {
        "title": info.get("title", ""),
        "version": info.get("version", ""),
        "description": prose(info.get("description", "")),
        "groups": list(groups.items()),
        "shapes": shapes,
    }


class Reference(DocsBase):
    """django-ninja's docs page, drawn by Pont's template instead of Swagger UI."""

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        document = api.get_openapi_schema(path_params=kwargs)
        context = reference(document)
        context["openapi_url"] = self.get_openapi_url(api, kwargs)
        return render(request, "core/api_reference.html", context)
