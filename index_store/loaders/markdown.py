"""Markdown to the plain text a reader sees: no `**`, `#` or link syntax reaches the store, so
answers quote "Maren Ashdown", not "**Maren Ashdown**"."""

from __future__ import annotations


def markdown_to_text(source: str) -> str:
    """Blocks become paragraphs (list items one per line); inline marks and URLs are dropped,
    link and image text kept. Uses markdown-it-py, the CommonMark parser rich already ships."""
    from markdown_it import MarkdownIt

    blocks: list[str] = []
    for token in MarkdownIt("commonmark").parse(source):
        if token.type == "inline":
            blocks.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
    return "\n\n".join(block for block in blocks if block.strip())


def _inline_text(children: list) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" " if child.type == "softbreak" else "\n")
    return "".join(parts).strip()
