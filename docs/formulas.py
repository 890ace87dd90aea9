"""The formula comments of the code, for the documentation site.

The code of the notes' functions puts each equation as a comment above the line that
computes it (``# dW[l] = 1/m dZ[l] A[l-1]^T``); the docstrings say what a function does and
the shapes. This module finds those comments so that the site shows them:

- :class:`FormulaComments`, a griffe extension (mkdocstrings' ``extensions`` option), adds
  them to each function's entry on the API pages, under its summary (a method the pages do
  not show, without a docstring or private as ``__call__``: to its class's entry);
- :func:`formula_table` writes the table of the notation page: each equation with the
  function that computes it (``<!-- formulas: MODULE ... -->`` in a page, filled in by
  docs/hooks.py).

A formula comment is a block of ``#`` lines whose first line starts with a symbol of the
notes (``Z[l]``, ``dW[l]``, ``J``, ``g'(z)``, ``σ(z)``, ``dL/da``, ...) followed by ``=``,
``:=``, ``+=`` or ``-=``; the lines after it in the block (the reason for the way it is
computed) come with it.
"""

from __future__ import annotations

import ast
import io
import posixpath
import re
import tokenize
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMULA = re.compile(r"^[\w'σ/]+(?:\[[^\]]*\])?(?:\([^)]*\))?\s*(?:=|:=|\+=|-=)\s")


def formula_blocks(source: str) -> list[tuple[int, str]]:
    """The formula comments of ``source`` (Python code): (line number, text) for each block,
    its lines joined by newlines."""
    comments: list[tuple[int, str, bool]] = []  # line, text, alone on its line
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and not tok.string.startswith("#:"):
            alone = tok.line[: tok.start[1]].strip() == ""
            comments.append((tok.start[0], tok.string[1:].strip(), alone))
    blocks: list[tuple[int, list[str]]] = []
    previous = -2
    for line, text, alone in comments:
        if alone and line == previous + 1 and blocks:
            blocks[-1][1].append(text)
        elif alone:
            blocks.append((line, [text]))
        previous = line if alone else -2
    return [(line, "\n".join(lines)) for line, lines in blocks if FORMULA.match(lines[0])]


def _with_formulas(docstring: str, blocks: list[str]) -> str:
    """The docstring with the formula comments as a code block under its first paragraph."""
    text = "\n\n".join(blocks)
    shown = (
        "In the code, the formula comments above the lines that compute them:\n\n"
        f"```text\n{text}\n```"
    )
    summary, sep, rest = docstring.partition("\n\n")
    return f"{summary}\n\n{shown}{sep}{rest}"


try:  # the extension needs griffe (the docs extra); the table does not
    import griffe
except ImportError:  # pragma: no cover
    griffe = None

if griffe is not None:

    class FormulaComments(griffe.Extension):
        """Adds each function's formula comments to its docstring (for the API pages)."""

        def on_function_instance(self, *, func: Any, **kwargs: Any) -> None:
            if func.docstring is None:
                return
            try:
                source = func.source
            except (OSError, ValueError, TypeError):  # no file (a compiled module)
                return
            blocks = [text for _, text in formula_blocks(_dedented(source))]
            if blocks:
                func.docstring.value = _with_formulas(func.docstring.value, blocks)

        def on_class_members(self, *, cls: Any, **kwargs: Any) -> None:
            # the methods the API pages do not show (no docstring of their own, or private
            # as __call__): their formula comments go to the class, each with its method
            if cls.docstring is None:
                return
            blocks = []
            for member in cls.members.values():
                if not getattr(member, "is_function", False) or (
                    member.docstring is not None and not member.name.startswith("_")
                ):
                    continue
                try:
                    source = member.source
                except (OSError, ValueError, TypeError):
                    continue
                for _, text in formula_blocks(_dedented(source)):
                    blocks.append(f"{member.name}: {text}")
            if blocks:
                cls.docstring.value = _with_formulas(cls.docstring.value, blocks)


def _dedented(source: str) -> str:
    """A method's source, dedented so that it parses as code."""
    import textwrap

    return textwrap.dedent(source)


#: where the prose after a formula begins: ", computed as", ": the same", " (the notes'"
PROSE = re.compile(r"(?:,|:|\s\()\s*(?=[a-z]{3,}\s+[a-z]{2,}\b)|\s{2,}")


def formula_table(modules: list[str], page_dir: str = "api") -> str:
    """A Markdown table of every formula comment in ``modules`` (dotted names under src/):
    the formula (without the prose after it), and the function that computes it, linked to
    its entry on the API pages (a private function or method: the entry that holds it).

    Parameters
    ----------
    modules : list of str
        E.g. ``["layerwise.core.propagation"]``; each module's API page is found in docs/api/ by
        its ``::: module`` line.
    page_dir : str
        The folder of the page the table goes on (for the links).
    """
    pages = _api_pages()
    rows = ["| formula | computed in |", "|---|---|"]
    for module in modules:
        path = ROOT / "src" / (module.replace(".", "/") + ".py")
        source = path.read_text(encoding="utf-8")
        where = _functions_by_line(ast.parse(source))
        page = pages.get(module)
        for line, text in formula_blocks(source):
            name, anchor = where.get(line, ("", ""))
            formula = PROSE.split(text.splitlines()[0])[0].strip().rstrip(",;:")
            label = f"`{module}.{name}`" if name else f"`{module}`"
            if page is not None:
                rel = posixpath.relpath(page, page_dir)
                target = f"{module}.{anchor}" if anchor else module
                label = f"[{label}]({rel}#{target})"
            formula = formula.replace("|", "\\|")
            rows.append(f"| `{formula}` | {label} |")
    return "\n".join(rows) + "\n"


def _functions_by_line(tree: ast.Module) -> dict[int, tuple[str, str]]:
    """Each line inside a function, method or class -> (its dotted name within the module,
    the dotted name of the public function or class of the module that holds it, whose entry
    the API pages show: a method's formulas are found under its class, a private helper's
    under the module)."""
    where: dict[int, tuple[str, str]] = {}

    def visit(node: ast.AST, prefix: str, anchor: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                # the entries are the module's public functions and classes (a method may
                # have none of its own: its class's holds its formulas)
                inner = name if not (child.name.startswith("_") or prefix) else anchor
                for line in range(child.lineno, (child.end_lineno or child.lineno) + 1):
                    where[line] = (name, inner)
                visit(child, f"{name}.", inner)

    visit(tree, "", "")
    return where


def _api_pages() -> dict[str, str]:
    """Each module documented with ``::: module`` -> its page under docs/ (e.g. api/x.md)."""
    pages: dict[str, str] = {}
    for page in (ROOT / "docs" / "api").glob("*.md"):
        for module in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            pages.setdefault(module, f"api/{page.name}")
    return pages
