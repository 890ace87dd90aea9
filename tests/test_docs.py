"""The documentation site's sources: every README section is a page of the site, the nav
names files that exist, and docs/hooks.py rewrites README links for the site (a missing target
is an error). ``mkdocs build --strict`` itself runs in CI (.ci/run)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFIG = {"docs_dir": str(ROOT / "docs")}


def test_every_readme_section_is_a_page_of_the_site(hooks):
    titles = re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    included = hooks._pages(CONFIG)
    assert sorted(set(titles) - set(included)) == []


def test_the_nav_names_files_that_exist():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") :]
    targets = re.findall(r"(?:: |- )([\w./-]+\.(?:md|ipynb))$", nav, re.M)
    assert len(targets) > 20
    missing = [t for t in targets if not (ROOT / "docs" / t).exists()]
    assert missing == []


def _page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def test_a_readme_section_comes_in_with_its_links_made_for_the_site(hooks):
    out = hooks.on_page_markdown(
        "<!-- readme-page: The notation -->\n", _page("x.md"), CONFIG, None
    )
    assert out.startswith("# The notation\n")
    assert "[the errata](errata.md)" in out  # README's docs/errata.md
    out = hooks.on_page_markdown("<!-- readme: Command line -->\n", _page("api/y.md"), CONFIG, None)
    assert "## Command line" in out
    assert "(../onnx.md)" in out  # README's #onnx-export, from a page one folder down


def test_links_leaving_docs_become_repository_paths_and_notation_stays_text(hooks):
    md = (
        "see [the benchmark](../benchmarks/README.md), [`notebooks/`](../notebooks/), "
        "A[l] = g[l](Z[l]), z = w[1][0] a, `g[l](Z[l])` and [site](https://example.org)\n"
        "```\n[not](a-link.md)\n```\n"
    )
    out = hooks.on_page_markdown(md, _page("page.md"), CONFIG, None)
    assert "the benchmark (`benchmarks/README.md`)" in out
    assert "[`notebooks/`](notebooks.md)" in out
    assert r"g[l]\(Z[l])" in out and r"w[1]\[0]" in out
    assert "`g[l](Z[l])`" in out and "[site](https://example.org)" in out
    assert "[not](a-link.md)" in out  # code blocks are left alone


def test_a_link_to_a_missing_file_stops_the_build(hooks):
    with pytest.raises(FileNotFoundError, match=r"no_such_file\.md"):
        hooks.on_page_markdown("[x](no_such_file.md)", _page("page.md"), CONFIG, None)
    with pytest.raises(KeyError, match="No such section"):
        hooks.on_page_markdown("<!-- readme: No such section -->", _page("p.md"), CONFIG, None)


def test_the_docs_extra_and_the_ci_step_exist():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    docs = pyproject[pyproject.index("\ndocs = [") :]
    docs = docs[: docs.index("]\n") + 1]
    for package in ("mkdocs", "mkdocs-material", "mkdocstrings[python]", "mkdocs-jupyter"):
        assert f'"{package}>=' in docs
    assert "mkdocs build --strict" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def formulas():
    spec = importlib.util.spec_from_file_location("docs_formulas", ROOT / "docs" / "formulas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_executed_for_the_site():
    # a notebook left out of execution is shown without its outputs
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "execute: true" in text and "execute_ignore" not in text
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks and all(f"notebooks/{name}" in text for name in notebooks)


def test_the_formula_comments_of_linear_backward_are_found(formulas):
    source = (ROOT / "src" / "layerwise" / "core" / "one_layer.py").read_text(encoding="utf-8")
    found = [text.splitlines()[0] for _, text in formulas.formula_blocks(source)]
    # the notes' three backward lines, as written above the lines that compute them
    for formula in ("dW[l] = 1/m dZ[l] A[l-1]^T", "dA[l-1] = W[l]^T dZ[l]"):
        assert any(line.startswith(formula) for line in found), formula
    assert any("np.sum(dZ[l], axis=1, keepdims=True)" in line for line in found)
    # prose comments are not formulas
    assert not any(line.startswith("(products use") for line in found)


def test_the_api_pages_show_the_formula_comments(formulas):
    griffe = pytest.importorskip("griffe")
    module = griffe.load(
        "layerwise.core.one_layer",
        search_paths=[str(ROOT / "src")],
        extensions=griffe.load_extensions(formulas.FormulaComments()),
    )
    doc = module["linear_backward"].docstring.value
    summary, _, rest = doc.partition("\n\n")
    assert summary == "The notes' three backward lines for layer l."
    assert rest.startswith("In the code, the formula comments")
    block = rest[rest.index("```text\n") : rest.index("\n```\n")]
    assert "dW[l] = 1/m dZ[l] A[l-1]^T" in block and "keepdims=True" in block
    assert "dA[l-1] = W[l]^T dZ[l]" in block
    assert "Parameters\n----------" in rest  # the numpydoc sections stay after it
    # a method without a docstring of its own: its formulas are on its class
    activations = griffe.load(
        "layerwise.core.activations",
        search_paths=[str(ROOT / "src")],
        extensions=griffe.load_extensions(formulas.FormulaComments()),
    )
    assert "derivative: g'(z) = a (1 − a)" in activations["Sigmoid"].docstring.value


def test_the_notation_page_lists_each_formula_with_its_function(formulas, hooks):
    page = (ROOT / "docs" / "api" / "notation.md").read_text(encoding="utf-8")
    assert "dimensions" in page and "keepdims=True" in page
    out = hooks.on_page_markdown(page, _page("api/notation.md"), CONFIG, None)
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    row = next(r for r in rows if "keepdims=True" in r)
    assert row == (
        "| `db[l] = 1/m np.sum(dZ[l], axis=1, keepdims=True)` | "
        "[`layerwise.core.one_layer.linear_backward`]"
        "(propagation.md#layerwise.core.one_layer.linear_backward) |"
    )
    # a method links to its class's entry, a private helper to its module's
    sigmoid = next(r for r in rows if r.startswith("| `g'(z) = a (1 − a)`"))
    assert sigmoid.endswith("(propagation.md#layerwise.core.activations.Sigmoid) |")
    small = next(r for r in rows if "randn" in r)
    assert small.endswith("(propagation.md#layerwise.core.initializers) |")
    assert "api/notation.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
