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
