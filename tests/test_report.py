"""`hebbkit show`: the report page embeds every figure, and headless Chromium renders it with
every image decoded (naturalWidth > 0), which is how a broken image would show."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

from hebbkit.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _result_dir(tmp_path):
    out = tmp_path / "result"
    out.mkdir()
    for name in ("fig2a", "fig3"):
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().plot(np.sin(np.linspace(0, 6, 50)))
        fig.savefig(out / f"{name}.png")
    (out / "metrics.json").write_text(json.dumps({"fig2a": {"peak_hz": 41.02, "amp": [1.0] * 20}}))
    provenance = {"experiment": "demo", "seed": 0, "config": {"rule": {"eta": 0.1}}}
    (out / "provenance.json").write_text(json.dumps(provenance))
    return out


def test_report_embeds_figures_metrics_and_parameters(tmp_path):
    out = _result_dir(tmp_path)
    page = write_report(out).read_text()
    assert page.count('src="data:image/png;base64,') == 2
    assert "fig2a.peak_hz" in page and "41.02" in page
    assert "rule.eta" in page and "(20 values)" in page


def test_show_prints_metrics_and_rejects_non_results(tmp_path):
    out = _result_dir(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "hebbkit", "show", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "fig2a.peak_hz" in proc.stdout and (out / "report.html").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "hebbkit", "show", str(tmp_path)], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: RESULT_DIR: must be a directory written by hebbkit")


def images_loaded(report) -> tuple[int, int]:
    """(decoded, total) images of a report page as rendered by headless Chromium."""
    probe = report.with_name("probe.html")
    script = (
        "<script>window.addEventListener('load', () => { const i = [...document.images];"
        " document.body.dataset.loaded = i.filter(x => x.complete && x.naturalWidth > 0).length"
        " + '/' + i.length; });</script>"
    )
    probe.write_text(report.read_text().replace("</body>", script + "</body>"))
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={report.parent / 'chromium-profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    probe.unlink()
    found = re.search(r'data-loaded="(\d+)/(\d+)"', dom)
    assert found, dom[-2000:]
    return int(found.group(1)), int(found.group(2))


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_chromium_renders_every_figure(tmp_path):
    out = _result_dir(tmp_path)
    assert images_loaded(write_report(out)) == (2, 2)
    (out / "fig3.png").write_bytes(b"not a png")  # a broken figure must be detected
    assert images_loaded(write_report(out)) == (1, 2)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_report_of_reproduce_scarpetta2001_renders_every_figure(tmp_path):
    out = tmp_path / "scarpetta2001"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hebbkit",
            "reproduce",
            "scarpetta2001",
            "--quick",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    show = subprocess.run(
        [sys.executable, "-m", "hebbkit", "show", str(out)], capture_output=True, text=True
    )
    assert show.returncode == 0, show.stderr
    assert "fig2a.peak_hz_linear" in show.stdout
    figures = sorted(p.stem for p in out.glob("*.png"))
    assert figures == ["fig2a", "fig2b", "fig2c", "fig3"]
    assert images_loaded(out / "report.html") == (4, 4)
