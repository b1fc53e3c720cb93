"""A result directory as one self-contained HTML page: figures, parameters and metrics."""

from __future__ import annotations

import base64
import html
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .config import flat
from .errors import ParameterError
from .store import write_text


def read_result(directory: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The provenance and the metrics of a result directory written by ``hebbkit run``."""
    directory = Path(directory)
    try:
        provenance = json.loads((directory / "provenance.json").read_text())
        metrics = json.loads((directory / "metrics.json").read_text())
    except (OSError, json.JSONDecodeError):
        raise ParameterError(
            "RESULT_DIR", "must be a directory written by hebbkit run or reproduce", str(directory)
        ) from None
    return provenance, metrics


def shown(value: Any, limit: int = 8) -> str:
    """A value as short text: long lists are abbreviated, floats get 6 significant digits."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        items = [shown(v) for v in value[:limit]]
        more = f", ... ({len(value)} values)" if len(value) > limit else ""
        return "[" + ", ".join(items) + more + "]"
    return str(value)


def write_report(directory: str | os.PathLike[str]) -> Path:
    """Write ``report.html`` into a result directory, with every figure embedded."""
    directory = Path(directory)
    provenance, metrics = read_result(directory)
    config = provenance.get("config", {})
    title = f"hebbkit: {provenance.get('experiment', directory.name)}"
    figures = []
    for png in sorted(directory.glob("*.png")):
        data = base64.b64encode(png.read_bytes()).decode()
        figures.append(
            f'<figure><img alt="{html.escape(png.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(png.stem)}</figcaption></figure>"
        )
    about = {k: v for k, v in provenance.items() if k != "config"}
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; border: 1px solid #eee; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<h2>Figures</h2>
{"".join(figures) or "<p>No figures.</p>"}
<h2>Metrics</h2>
{_table(flat(metrics))}
<h2>Parameters</h2>
{_table(flat(config))}
<h2>Provenance</h2>
{_table(flat(about))}
</body></html>
"""
    return write_text(page, directory / "report.html")


def _table(rows: Iterator[tuple[str, Any]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(shown(v))}</td></tr>" for k, v in rows
    )
    return f"<table>{body}</table>"
