"""MkDocs hook: the site's pages that are sections of README.md.

A page whose text holds ``<!-- readme: TITLE -->`` gets README.md's section ``## TITLE``
there (``<!-- readme-page: TITLE -->`` also raises its headings one level, so the section's
title becomes the page's); ``<!-- readme: (intro) -->`` is the text before the first section.
README.md's links are written from the repository's root: a link into docs/ becomes a link
to that page of the site, ``#anchor`` a link to the page that holds the heading, and a link to
any other file of the repository the file's path in code (the site holds only docs/); a
link to a file that does not exist stops the build, as MkDocs' own check does for pages.
Links to files outside docs/ in the docs pages themselves are treated the same way.
``<!-- formulas: MODULE ... -->`` becomes the table of the formula comments of those modules
(docs/formulas.py).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- (readme|readme-page): (.+?) -->$", re.MULTILINE)
#: ``<!-- formulas: MODULE ... -->``: the table of the formula comments of these modules
FORMULAS = re.compile(r"^<!-- formulas: (.+?) -->$", re.MULTILINE)
LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^()\s]+)\)")
FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
CODE_SPAN = re.compile(r"(`+[^`\n]*?`+)")


def _slug(title: str) -> str:
    """The anchor Python-Markdown's toc gives a heading."""
    text = re.sub(r"`", "", title).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[-\s]+", "-", text)


def _sections() -> dict[str, str]:
    """README.md's sections by title ("(intro)" for the text before the first)."""
    sections: dict[str, list[str]] = {"(intro)": []}
    current = "(intro)"
    fenced = False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        sections[current].append(line)
    return {title: "\n".join(lines) + "\n" for title, lines in sections.items()}


def _pages(config: Any) -> dict[str, str]:
    """Each README section title -> the docs page that includes it."""
    where: dict[str, str] = {}
    for page in Path(config["docs_dir"]).glob("*.md"):
        for _, title in MARKER.findall(page.read_text(encoding="utf-8")):
            where[title] = page.name
    return where


def _anchors(config: Any) -> dict[str, str]:
    """Each anchor of a README heading -> "page.md#anchor" (a section's own title: the page)."""
    sections, pages = _sections(), _pages(config)
    anchors: dict[str, str] = {}
    for title, text in sections.items():
        page = pages.get(title)
        if page is None:
            continue
        anchors[_slug(title)] = page
        for heading in re.findall(r"^###+ (.+)$", text, re.MULTILINE):
            anchors[_slug(heading)] = f"{page}#{_slug(heading)}"
    return anchors


def _rewrite_links(text: str, source_dir: str, page_dir: str, config: Any) -> str:
    """Rewrite the links of ``text``, written from ``source_dir`` (a folder of the repository,
    "" for its root), for a page in ``page_dir`` (a folder of docs/)."""
    anchors = _anchors(config) if source_dir == "" else {}

    def one(match: re.Match[str]) -> str:
        bang, label, target = match.groups()
        if re.match(r"^[a-z]+:", target):
            return match.group(0)  # http:, https:, mailto:
        if "[" in target:
            # the notes' notation, not a link: g[l](Z[l]) is g[l] applied to Z[l]
            return f"{bang}[{label}]\\({target})"
        if target.startswith("#"):
            found = anchors.get(target[1:])
            if found is None:
                return match.group(0)
            return f"{bang}[{label}]({posixpath.relpath(found, page_dir or '.')})"
        path, _, fragment = target.partition("#")
        in_repo = posixpath.normpath(posixpath.join(source_dir, path))
        if not (ROOT / in_repo).exists():
            raise FileNotFoundError(
                f"a link to {target!r} (from {source_dir or 'README.md'}) "
                f"names {in_repo}, which the repository does not have"
            )
        if (ROOT / in_repo).is_dir() and (ROOT / "docs" / f"{in_repo}.md").is_file():
            in_repo = f"{in_repo}.md"  # a folder (notebooks/) -> its page (notebooks.md)
        if not in_repo.startswith("docs/") and (ROOT / "docs" / in_repo).exists():
            in_repo = "docs/" + in_repo  # notebooks/: in the site through docs/notebooks
        if in_repo.startswith("docs/"):
            new = posixpath.relpath(in_repo[len("docs/") :], page_dir or ".")
            return f"{bang}[{label}]({new}{'#' + fragment if fragment else ''})"
        shown = f"`{in_repo}`"
        return shown if label.strip("`") == in_repo else f"{label} ({shown})"

    parts = FENCE.split(text)
    # FENCE.split keeps the fence markers: outside, marker, inside, marker, outside, ...
    out, fenced = [], False
    for part in parts:
        if FENCE.fullmatch(part):
            fenced = not fenced
            out.append(part)
        else:
            out.append(part if fenced else _outside_code(_links(part, one), _plain))
    return "".join(out)


def _links(text: str, one: Any) -> str:
    """``one`` applied to each link of ``text`` that does not start inside a code span (a
    link's label may hold code: [`notebooks/`](notebooks/))."""
    spans = [m.span() for m in CODE_SPAN.finditer(text)]

    def unless_code(match: re.Match[str]) -> str:
        if any(a < match.start() < b for a, b in spans):
            return match.group(0)
        return str(one(match))

    return LINK.sub(unless_code, text)


def _plain(text: str) -> str:
    """The notes' double indices, w[1][0], are not reference links."""
    return text.replace("][", "]\\[")


def _outside_code(text: str, change: Any) -> str:
    """``change`` applied to the text outside inline code spans."""
    pieces = CODE_SPAN.split(text)
    return "".join(p if i % 2 else change(p) for i, p in enumerate(pieces))


def _raise_headings(text: str) -> str:
    return re.sub(
        r"^(#+) ",
        lambda m: m.group(1)[1:] + " " if len(m.group(1)) > 1 else "# ",
        text,
        flags=re.MULTILINE,
    )


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill in the README sections and rewrite the links that leave docs/."""
    page_dir = posixpath.dirname(page.file.src_uri)
    sections = _sections()

    def include(match: re.Match[str]) -> str:
        kind, title = match.groups()
        if title not in sections:
            raise KeyError(
                f"{page.file.src_uri} includes README.md's section {title!r}, "
                f"which README.md does not have; it has {sorted(sections)}"
            )
        text = _rewrite_links(sections[title], "", page_dir, config)
        return _raise_headings(text) if kind == "readme-page" else text

    own_dir = posixpath.join("docs", page_dir) if page_dir else "docs"
    markdown = _rewrite_links(markdown, own_dir, page_dir, config)
    markdown = FORMULAS.sub(
        lambda match: _formulas().formula_table(match.group(1).split(), page_dir), markdown
    )
    return MARKER.sub(include, markdown)


def _formulas() -> Any:
    """docs/formulas.py (the formula comments of the code), loaded by its path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_formulas", ROOT / "docs" / "formulas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """In the docstrings of the API reference, g[l](Z[l]) is the notes' notation, not a link."""
    return re.sub(r'<a href="([^"]*\[[^"]*)">([^<]*)</a>', r"[\2](\1)", html)
