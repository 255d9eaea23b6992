"""A small, safe XML reader: elements by local name, no DTDs, no entities.

The standard library's ElementTree would expand entities declared in a document type definition;
a price document never needs one, so a DOCTYPE is refused outright (which rules out entity
expansion and external fetches). Namespaces are dropped: elements are matched by local name, so
every version of a schema namespace reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from energy_contracts.feeds._common import iter_chunks
from energy_contracts.feeds.model import FeedError, FeedSource


@dataclass(slots=True)
class XmlElement:
    name: str
    line: int
    children: list[XmlElement] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self._text).strip()

    def first(self, name: str) -> XmlElement | None:
        for child in self.children:
            if child.name == name:
                return child
        return None

    def all(self, name: str) -> list[XmlElement]:
        return [child for child in self.children if child.name == name]


class _ForbiddenConstructError(Exception):
    """A DOCTYPE or entity declaration: refused, so no entity expansion can happen."""


def parse_xml(source: FeedSource) -> XmlElement:
    """The document's root element; FeedError (with line and column) when it is not XML."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    stack: list[XmlElement] = []
    roots: list[XmlElement] = []

    def start(name: str, _attributes: dict[str, str]) -> None:
        element = XmlElement(name.rpartition("}")[2], parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            roots.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1]._text.append(data)

    def forbid_doctype(*_args: object) -> None:
        raise _ForbiddenConstructError("a DOCTYPE declaration is not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = forbid_doctype
    parser.EntityDeclHandler = forbid_doctype

    try:
        for chunk in iter_chunks(source, "XML"):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise FeedError(
            f"invalid XML: {expat.ErrorString(error.code)}",
            f"line {error.lineno}, column {error.offset + 1}",
        ) from None
    except _ForbiddenConstructError as error:
        raise FeedError(f"invalid XML: {error}", f"line {parser.CurrentLineNumber}") from None
    return roots[0]
