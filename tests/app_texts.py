"""The texts a person can read on a page run by Streamlit's AppTest, element by element.

Every element of the page (widgets with their labels, options and help, Markdown,
captions, alerts, metrics, expanders, tables with their headers and cells, charts
with their titles and data labels, HTML without its style and script) gives the
strings a person sees; ids, keys, icons and other technical fields do not.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

# Fields of an element's message that hold text a person reads.
READABLE = {
    "label",
    "body",
    "help",
    "options",
    "placeholder",
    "caption",
    "text",
    "title",
    "content",
    "delta",
    "value",
    "pageName",
}
_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _strings(value: Any, readable: bool) -> Iterator[str]:
    if isinstance(value, str):
        if readable:
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, readable or key in READABLE)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, readable)


def _arrow_texts(
    blob: bytes, *, headers: bool = True, only: set[str] | None = None
) -> Iterator[str]:
    """Column names (when shown) and text cells of an Arrow IPC table.

    With ``only``, just the cells of those columns (a chart shows the fields it encodes).
    """
    if not blob:
        return
    table = pa.ipc.open_stream(io.BytesIO(blob)).read_all()
    if headers:
        yield from (str(n) for n in table.column_names if not str(n).startswith("__"))
    if only is not None:
        table = table.select([n for n in table.column_names if n in only])
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            yield from (v for v in column.to_pylist() if isinstance(v, str))


def _table_texts(proto: Any) -> Iterator[str]:
    """The headers a table shows (its column configuration's labels) and its text cells."""
    data = proto.arrow_data
    if not data.data and proto.HasField("lazy_data"):
        data = proto.lazy_data.initial_chunk
    config = json.loads(proto.columns) if proto.columns else {}
    order = list(proto.column_order)
    table = pa.ipc.open_stream(io.BytesIO(data.data)).read_all() if data.data else None
    if table is not None:
        for name in table.column_names:
            if name.startswith("__") or (order and name not in order):
                continue
            setting = config.get(name) or {}
            if setting.get("hidden"):
                continue
            yield str(setting.get("label") or name)
    yield from _arrow_texts(data.data, headers=False)
    yield from _arrow_texts(data.styler.display_values, headers=False)


def _encoded_fields(spec: Any) -> set[str]:
    """The fields a Vega-Lite spec encodes in any of its (layered) encodings."""
    found: set[str] = set()

    def walk(value: Any, in_encoding: bool = False) -> None:
        if isinstance(value, dict):
            if in_encoding and isinstance(value.get("field"), str):
                found.add(value["field"])
            for key, item in value.items():
                walk(item, in_encoding or key == "encoding")
        elif isinstance(value, list):
            for item in value:
                walk(item, in_encoding)

    walk(spec)
    return found


def _vega_texts(spec: str) -> Iterator[str]:
    """Titles and text marks of a Vega-Lite spec (field names are not shown)."""

    def walk(value: Any, key: str = "") -> Iterator[str]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        elif isinstance(value, str) and key in {"title", "text", "domain"}:
            yield value

    yield from walk(json.loads(spec))


def page_texts(at: AppTest) -> list[str]:
    """Every string a person can read on the page AppTest ran last."""
    out: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = type(node).__name__
        if kind == "UnknownElement":
            # Charts and tables arrive as raw protos; components (the map) are the
            # browser test's: their frame is a page of its own.
            name = getattr(node, "type", "")
            inner = proto
            if name in ("vega_lite_chart", "arrow_vega_lite_chart"):
                out += list(_vega_texts(inner.spec))
                # A chart shows the cells of the fields it encodes (axis labels, legend
                # entries, tooltips), never its column names.
                shown = _encoded_fields(json.loads(inner.spec))
                for dataset in inner.datasets:
                    out += list(_arrow_texts(dataset.data.data, headers=False, only=shown))
                out += list(_arrow_texts(inner.data.data, headers=False, only=shown))
            continue
        if kind == "Html":
            out.append(html.unescape(_TAGS.sub(" ", _HIDDEN.sub(" ", proto.body))))
            continue
        if kind == "Dataframe":
            out += list(_table_texts(proto))
            continue
        out += list(_strings(MessageToDict(proto), False))
    return out
