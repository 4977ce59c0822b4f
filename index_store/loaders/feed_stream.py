"""Cut a feed into one-entry feeds as it is read, so a 10,000-entry feed never sits in memory.

lxml's iterparse walks the XML; each finished `<item>`/`<entry>` is moved into a copy of the
feed's root (same namespaces, the feed title) and handed on as a small document for feedparser,
which keeps doing the format's details. Entities are never expanded (no entity bombs) and no DTD
or network resource is ever loaded.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import BinaryIO

ENTRY_NAMES = frozenset({"item", "entry"})
FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
# An entry sits under the root (Atom, RSS 1.0) or under the root's <channel> (RSS 2.0).
_ENTRY_DEPTHS = (2, 3)


class NotAFeed(Exception):
    """The document is XML but its root is not rss, rdf:RDF or feed."""


class NotWellFormed(Exception):
    """The XML broke off; `entries` one-entry feeds were yielded before it did."""

    def __init__(self, message: str, entries: int) -> None:
        super().__init__(message)
        self.entries = entries


def one_entry_feeds(stream: BinaryIO) -> Iterator[bytes]:
    """Yield every entry of the feed in `stream` as a UTF-8 document holding only that entry."""
    from lxml import etree

    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    root = title = None
    depth = entries = 0
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if root is None:
                    root = _feed_root(element)
                continue
            name = etree.QName(element).localname
            if name in ENTRY_NAMES and depth in _ENTRY_DEPTHS:
                entries += 1
                yield _alone(root, element, title)
            elif _is_feed_level(element, depth):
                if name == "title":
                    title = copy.deepcopy(element)
                element.clear(keep_tail=True)
            depth -= 1
    except etree.XMLSyntaxError as error:
        raise NotWellFormed(" ".join(str(error).split()), entries) from None


def _feed_root(element):
    from lxml import etree

    if etree.QName(element).localname not in FEED_ROOTS:
        raise NotAFeed(etree.QName(element).localname)
    return element


def _is_feed_level(element, depth: int) -> bool:
    """A child of the root or of RSS's <channel>: feed metadata, not part of an entry."""
    from lxml import etree

    parent = element.getparent()
    return depth == 2 or (depth == 3 and etree.QName(parent).localname == "channel")


def _alone(root, entry, title) -> bytes:
    """A feed holding only `entry` (moved out of the tree being read, which frees it)."""
    from lxml import etree

    shell = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    parent = entry.getparent()
    holder = shell if parent is root else etree.SubElement(shell, parent.tag)
    if title is not None:
        holder.append(copy.deepcopy(title))
    holder.append(entry)
    return etree.tostring(shell, encoding="utf-8", xml_declaration=True)
