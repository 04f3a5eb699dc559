"""A report as a document: sections of text, table and figure blocks, rendered as Markdown (figures
as PNG files beside it) and as one self-contained HTML page (figures inline as base64 PNG).

The benchmark report (``report.py``) and the paper reproductions (``anomalab.reproductions``)
both build :class:`Section` lists and render them with :func:`to_markdown` and :func:`to_html`.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

FIGURE_DIR = "figures"


@dataclass
class Figure:
    """A PNG figure. ``png=None``: not drawn by this rendering (Markdown links the file that is
    there; HTML embeds it only if the caller fills ``png`` in)."""

    name: str
    caption: str
    png: bytes | None
    half: bool = False  # shown at half the page width in HTML (pairs side by side)


@dataclass
class Section:
    """A run of blocks: ("text", str), ("table", DataFrame) or ("figure", Figure), under a
    heading of ``level`` (none when ``title`` is empty)."""

    title: str
    level: int = 2
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def text(self, value: str) -> None:
        self.blocks.append(("text", value))

    def table(
        self, value: pd.DataFrame, index: bool = True, align: list[str] | None = None
    ) -> None:
        """A table; ``align`` (one of left / right / center per column, the index first) prints
        its cells as they are, without reading numbers in them."""
        self.blocks.append(("table", (value, index, align)))

    def figure(self, value: Figure) -> None:
        self.blocks.append(("figure", value))


def figures_of(sections: list[Section]) -> list[Figure]:
    """Every figure of the sections, in order."""
    return [value for s in sections for kind, value in s.blocks if kind == "figure"]


def to_markdown(title: str, sections: list[Section], figure_dir: str = FIGURE_DIR) -> str:
    """The document as Markdown; figures link ``figure_dir/<name>.png`` (``""``: beside it)."""
    lines = [f"# {title}", ""]
    prefix = f"{figure_dir}/" if figure_dir else ""
    for section in sections:
        if section.title:
            lines += ["#" * section.level + f" {section.title}", ""]
        for kind, value in section.blocks:
            if kind == "text":
                lines += [value, ""]
            elif kind == "table":
                frame, index, *align = value
                if align and align[0]:
                    text = frame.to_markdown(index=index, disable_numparse=True, colalign=align[0])
                else:
                    text = frame.to_markdown(index=index)
                lines += [text, ""]
            else:
                lines += [f"![{value.caption}]({prefix}{value.name}.png)", ""]
    return "\n".join(lines)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f2f2f2; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 0.5em 1em 1.5em 0; display: inline-block; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
figure.half { width: 48%; }
figure.half img { width: 100%; }
figcaption { font-size: 0.85em; color: #555; }
code { background: #f5f5f5; padding: 1px 4px; }
.warn { color: #b00; font-weight: bold; }
"""
# Marks every figure decoded or not once the page has loaded (used by the headless-browser test,
# and shows readers a warning if a figure is broken).
_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('figure img'), good = 0;
  imgs.forEach(function (img) {
    var ok = img.complete && img.naturalWidth > 0;
    img.setAttribute('data-decoded', ok ? 'yes' : 'no');
    if (ok) { good += 1; }
  });
  document.body.setAttribute('data-figures-decoded', good + '/' + imgs.length);
  if (good < imgs.length) {
    var p = document.createElement('p');
    p.className = 'warn';
    p.textContent = (imgs.length - good) + ' figure(s) failed to load';
    document.body.insertBefore(p, document.body.firstChild);
  }
});
"""


def _inline(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<em>\1</em>", escaped)


def _text_html(text: str) -> list[str]:
    """A text block as HTML: lines starting with ``- `` become a list, other lines paragraphs
    (a blank line or a list ends a paragraph)."""
    parts: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            parts.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:])
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return parts


def _figure_html(value: Figure) -> str:
    css = ' class="half"' if value.half else ""
    caption = html.escape(value.caption)
    if value.png is None:
        return f'<figure id="{value.name}"{css}><figcaption>{caption} (not drawn)</figcaption></figure>'
    data = base64.b64encode(value.png).decode("ascii")
    return (
        f'<figure id="{value.name}"{css}><img alt="{caption}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def to_html(title: str, sections: list[Section]) -> str:
    """The document as one self-contained HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section in sections:
        level = min(section.level, 6)
        if section.title:
            parts.append(f"<h{level}>{_inline(section.title)}</h{level}>")
        for kind, value in section.blocks:
            if kind == "text":
                parts += _text_html(value)
            elif kind == "table":
                frame, index = value[:2]
                parts.append(frame.to_html(index=index, border=0, na_rep="-"))
            else:
                parts.append(_figure_html(value))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)
