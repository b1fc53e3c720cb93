"""MkDocs hook: make every figure of the site with the code that the site shows.

Before the site is built, the ```python blocks of each page are run in order (one namespace
per page) in a figures folder, so the tour's figures come from the tour's code, and every
gallery script in ``examples/`` (:func:`gallery_scripts`) is run into ``figures/gallery``.
The folder is ``build/docs-figures/figures`` (git-ignored); its files are added to the site
as ``figures/...``. A page or script is run again only when it, or any file under ``src/``, is
newer than what it made last time.

A block whose first line starts with ``# not run:`` is shown but not run (peer code on the
"Coming from" pages). ``tests/test_docs.py`` uses :func:`python_blocks` and :func:`run_page`
too, so the tests run exactly what the site shows.
"""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
OUT = ROOT / "build" / "docs-figures"
NOT_RUN = "# not run:"
_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Plain-text equations write averages as <nu_i> and <x x^T>; Markdown passes them through as
# HTML tags and the browser hides them. Anything tag-like that is not an HTML element is escaped.
_HTML_ELEMENTS = frozenset(
    "a abbr article aside b blockquote br button caption code col colgroup dd del details div "
    "dl dt em figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr i img input ins kbd label "
    "li link main mark meta nav ol p path pre s section small span strong sub summary sup svg "
    "table tbody td th thead tr u ul script style noscript template title html head body wbr "
    "autoref picture source iframe var samp cite q dfn time abbr tfoot caption g rect circle "
    "line polyline polygon text tspan defs use symbol math mi mo mn mrow msup msub mfrac".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][^\s<>/]*)([^<>]*)>")


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of ``page``, in order, without those marked ``# not run:``."""
    blocks = _BLOCK.findall(page.read_text(encoding="utf-8"))
    return [b for b in blocks if not b.lstrip().startswith(NOT_RUN)]


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    old = Path.cwd()
    path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_page(page: Path, where: Path) -> dict[str, Any]:
    """Run the page's python blocks in order in one namespace, in folder ``where``."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    with _working_directory(where):
        for index, block in enumerate(python_blocks(page)):
            code = compile(block, f"{page.name}[block {index + 1}]", "exec")
            exec(code, namespace)  # noqa: S102 - the documentation's own code
    return namespace


def gallery_scripts() -> list[Path]:
    """The gallery: scripts in ``examples/`` whose docstring starts with ``Gallery:``."""
    return [p for p in sorted(EXAMPLES.glob("*.py")) if p.read_text().startswith('"""Gallery:')]


def run_example(script: Path, where: Path, quick: bool = False) -> None:
    """Run a gallery script as ``python script where [--quick]``."""
    argv = sys.argv
    sys.argv = [str(script), str(where), *(["--quick"] if quick else [])]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv


def _newest_source() -> float:
    return max(p.stat().st_mtime for p in (ROOT / "src").rglob("*.py"))


def _stale(source: Path, stamp: Path, src_time: float) -> bool:
    if not stamp.exists():
        return True
    made = stamp.stat().st_mtime
    return made < source.stat().st_mtime or made < src_time


def make_figures() -> list[Path]:
    """Run what is stale; return every figure under ``OUT``."""
    import matplotlib

    matplotlib.use("Agg")
    figures = OUT / "figures"
    stamps = OUT / "stamps"
    stamps.mkdir(parents=True, exist_ok=True)
    src_time = _newest_source()
    pages = sorted(DOCS.rglob("*.md"))
    scripts = gallery_scripts()
    for source in [*pages, *scripts]:
        stamp = stamps / (source.relative_to(ROOT).as_posix().replace("/", "__") + ".done")
        if not _stale(source, stamp, src_time):
            continue
        if source.suffix == ".md":
            if python_blocks(source):
                run_page(source, figures)
        else:
            run_example(source, figures / "gallery")
        stamp.touch()
    return sorted(p for p in figures.rglob("*") if p.is_file() and p.suffix in (".png", ".svg"))


def escaped_pseudo_tags(html: str) -> str:
    """``html`` with every tag-like ``<...>`` that is not an HTML element escaped."""

    def fix(match: re.Match[str]) -> str:
        if match.group(2).lower() in _HTML_ELEMENTS:
            return match.group(0)
        return "&lt;" + match.group(0)[1:-1] + "&gt;"

    return _TAG.sub(fix, html)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Show <nu_i>-style averages in equations (including those in docstrings)."""
    return escaped_pseudo_tags(html)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated figures to the site as ``figures/...``."""
    from mkdocs.structure.files import File

    for path in make_figures():
        rel = path.relative_to(OUT).as_posix()
        if files.get_file_from_path(rel) is None:
            files.append(File(rel, str(OUT), config["site_dir"], config["use_directory_urls"]))
    return files
