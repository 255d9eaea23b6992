"""A small XML reader for price documents: elements by local name, read through defusedxml.

Price documents come from outside (a platform's download, a partner's upload), so they are
parsed by defusedxml's expat reader with document type declarations forbidden: no entity is
ever expanded (no "billion laughs") and no external entity or DTD is ever fetched. A price
document never needs one. Namespaces are dropped: elements are matched by local name, so every
version of a schema namespace reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import AttributesNSImpl, Locator

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.expatreader import DefusedExpatParser

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


class _TreeBuilder(ContentHandler):
    """Collects the elements (with the line each starts on) and their text."""

    def __init__(self, locator: Locator) -> None:
        super().__init__()
        # The parser itself: fed incrementally, it never calls setDocumentLocator.
        self._where = locator
        self.roots: list[XmlElement] = []
        self._stack: list[XmlElement] = []

    def startElementNS(
        self, name: tuple[str | None, str], _qname: str | None, _attributes: AttributesNSImpl
    ) -> None:
        element = XmlElement(name[1], self._where.getLineNumber() or 0)
        if self._stack:
            self._stack[-1].children.append(element)
        else:
            self.roots.append(element)
        self._stack.append(element)

    def endElementNS(self, _name: tuple[str | None, str], _qname: str | None) -> None:
        self._stack.pop()

    def characters(self, content: str) -> None:
        if self._stack:
            self._stack[-1]._text.append(content)


def parse_xml(source: FeedSource) -> XmlElement:
    """The document's root element; FeedError (with line and column) when it is not XML, or
    when it declares a document type (which is how entities would come in)."""
    parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder = _TreeBuilder(locator=parser)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(builder)
    try:
        for chunk in iter_chunks(source, "XML"):
            parser.feed(chunk)
        parser.close()
    except SAXParseException as error:
        raise FeedError(
            f"invalid XML: {error.getMessage()}",
            f"line {error.getLineNumber()}, column {(error.getColumnNumber() or 0) + 1}",
        ) from None
    except DefusedXmlException as error:
        refused = (
            "a DOCTYPE declaration"
            if isinstance(error, DTDForbidden)
            else "an entity declaration or external reference"
        )
        raise FeedError(
            f"invalid XML: {refused} is not allowed (entities are never expanded or fetched)",
            f"line {parser.getLineNumber()}",
        ) from None
    if not builder.roots:  # a source that yielded no chunk at all
        raise FeedError("invalid XML: no element found", "line 1, column 1")
    return builder.roots[0]
