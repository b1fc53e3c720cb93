"""The documentation teaches and proves: every rule has a page, every code block in the docs
runs, the tour's claims hold against closed forms and eigen-decompositions, the gallery scripts
write their figures, and ``mkdocs build --strict`` passes.

The code blocks are run by ``docs/hooks.py`` (the same function the docs build uses), so the
tests run exactly the code the site shows. A block whose first line starts with ``# not run:``
(peer simulator code on the "Coming from" pages) is shown but not run.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hebbkit.rules import RULES
from hebbkit.rules.windows import WINDOWS
from tolerances import (
    BCM_FIXED_POINT_REL,
    CLOSED_FORM_EVENT,
    OJA_COS_E1,
    OJA_NORM_REL,
    SAME_ALGORITHM_F64,
    STANDARD_ERRORS,
    STEADY_STATE_ABS,
    WHOLE_RUN_F64,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
assert _spec is not None and _spec.loader is not None
hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hooks)

# the README is the first page most users read: its code must run too
PAGES = [*sorted(p for p in DOCS.rglob("*.md") if hooks.python_blocks(p)), ROOT / "README.md"]
RULE_CLASSES = sorted({cls.__name__ for cls in [*RULES.values(), *WINDOWS.values()]})


def _headings() -> dict[str, set[str]]:
    """Rule page -> the backticked names in its headings."""
    found = {}
    for page in sorted((DOCS / "rules").glob("*.md")):
        names = set()
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", line))
        found[page.name] = names
    return found


# ----------------------------------------------------------------------------- (1) rule pages
@pytest.mark.parametrize("name", RULE_CLASSES)
def test_every_rule_and_window_has_a_docs_page(name):
    pages = [page for page, names in _headings().items() if name in names]
    assert pages, f"{name} has no heading on any page of docs/rules/"


def test_rule_page_check_fails_for_an_undocumented_name():
    assert not any("NotARule" in names for names in _headings().values())
    assert len(RULE_CLASSES) == len(RULES) + len(WINDOWS)


def test_every_test_the_docs_cite_exists():
    """A validation claim names its test; a renamed or deleted test must not leave it stale."""
    defined = set()
    for source in (ROOT / "tests").glob("test_*.py"):
        defined.update(re.findall(r"^def (test_\w+)", source.read_text(), re.MULTILINE))
    cited = {}
    for page in [*DOCS.rglob("*.md"), ROOT / "README.md"]:
        for name in re.findall(r"\b(test_\w+)(?!\w|\.py)", page.read_text(encoding="utf-8")):
            cited.setdefault(name, page.name)
    assert len(cited) > 40
    missing = {name: page for name, page in cited.items() if name not in defined}
    assert not missing


def test_every_tolerance_the_docs_quote_is_the_one_tested():
    import tolerances

    quoted = []
    for page in DOCS.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        pattern = r"`([A-Z][A-Z0-9_]+)` = (\d+(?:\.\d+)?(?:e[+-]?\d+)?)(%?)"
        for name, number, percent in re.findall(pattern, text):
            value = float(number) / (100.0 if percent else 1.0)
            quoted.append((page.name, name, value))
    assert len(quoted) > 10
    for page, name, value in quoted:
        assert getattr(tolerances, name) == pytest.approx(value, rel=1e-12), (page, name)


def test_rule_pages_are_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (DOCS / "rules").glob("*.md"):
        assert f"rules/{page.name}" in config


# ------------------------------------------------------------------------- (2) code blocks run
@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The namespace left by running docs/tour.md's blocks in order."""
    where = tmp_path_factory.mktemp("tour")
    return hooks.run_page(DOCS / "tour.md", where), where


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_docs_code_blocks_run(page, tmp_path, tour):
    if page.name == "tour.md":
        _, where = tour  # already run by the fixture; its figures are there
    else:
        hooks.run_page(page, tmp_path)
        where = tmp_path
    for figure in re.findall(r'savefig\("([^"]+)"', page.read_text(encoding="utf-8")):
        assert (where / figure).stat().st_size > 0


def test_not_run_blocks_are_rare_and_marked():
    skipped = 0
    for page in DOCS.rglob("*.md"):
        blocks = hooks._BLOCK.findall(page.read_text(encoding="utf-8"))
        skipped += sum(b.lstrip().startswith(hooks.NOT_RUN) for b in blocks)
    assert 0 < skipped <= 6  # the peer-code blocks of the three "Coming from" pages


# ------------------------------------------------------------------------ (3) the tour's claims
def test_tour_hebb_runs_away_at_the_top_eigenvalue_rate(tour):
    ns, _ = tour
    lam_max = float(np.linalg.eigvalsh(ns["Q"]).max())
    t = ns["t"]
    steps = round((t[-1] - t[99]) / float(ns["hebb"].attrs["dt"]))
    # per step the log-norm grows by dt c11 (e1.x)^2, (e1.x)^2 ~ lambda chi^2_1: variance
    # 2 lambda^2, so the relative standard error of the mean over N steps is sqrt(2/N)
    standard_error = np.sqrt(2.0 / steps)
    assert abs(ns["rate"] / (ns["c11"] * lam_max) - 1.0) < STANDARD_ERRORS * standard_error
    assert ns["norm"][-1] > 1e4 * ns["norm"][0]  # it runs away


def test_tour_bounds_saturate_and_decay_settles(tour):
    ns, _ = tour
    hard, soft, decay = (ns["w"][k] for k in ("hard bounds", "soft bounds", "soft bounds + decay"))
    assert hard.max() == 1.0 and hard[-1] == 1.0  # saturates exactly at w_max
    # soft bounds at nu_i = nu_j = 1 Hz: the Euler map 1 - w <- (1 - dt)(1 - w), exactly
    dt, w0 = 1e-3, 0.1
    steps = 10 * np.arange(1, len(soft) + 1)
    np.testing.assert_allclose(
        soft, 1.0 - (1.0 - w0) * (1.0 - dt) ** steps, rtol=0, atol=SAME_ALGORITHM_F64
    )
    assert soft.max() < 1.0
    rule = ns["rules"]["soft bounds + decay"]
    c = 1.0 * 1.0
    w_star = rule.soft.gamma2 * c / (rule.soft.gamma2 * c + rule.decay.gamma0)
    assert abs(decay[-1] - w_star) < STEADY_STATE_ABS


def test_tour_covariance_rule_depresses_anticorrelated_input(tour):
    ns, _ = tour
    pre, post, rho, dw = ns["pre"], ns["post"], ns["rho"], ns["dw_cov"]
    gamma, dt, n = 0.01, 0.01, len(post)
    # exact: with fixed means the rule does not depend on w, so dw is a plain sum
    exact = gamma * dt * ((post - 5.0) * (pre - 5.0)).sum(axis=0)
    np.testing.assert_allclose(dw, exact, rtol=WHOLE_RUN_F64, atol=SAME_ALGORITHM_F64)
    # expected gamma T rho sigma^2; the per-step product s (rho s + ...) has variance 1 + rho^2
    expected = gamma * n * dt * rho
    standard_error = gamma * dt * np.sqrt(n * (1.0 + rho**2))
    assert np.all(np.abs(dw - expected) < STANDARD_ERRORS * standard_error)
    assert dw[0] > 0 > dw[2]  # potentiation and depression
    hebb_dw = ns["hebb_w"].w.values[-1, 0] - 0.5
    assert np.all(hebb_dw > 0)  # plain Hebb potentiates all three


def test_tour_oja_keeps_unit_norm_and_finds_pc1(tour):
    ns, _ = tour
    w = ns["w_oja"][-1]
    e1 = np.linalg.eigh(ns["C"])[1][:, -1]
    assert abs(np.linalg.norm(w) - 1.0) < OJA_NORM_REL
    assert abs(w @ e1) / np.linalg.norm(w) >= OJA_COS_E1


def test_tour_bcm_becomes_selective(tour):
    ns, _ = tour
    late, k = np.sort(ns["late"]), ns["K"]
    fixed_point = k * ns["nu0"]
    assert abs(late[-1] / fixed_point - 1.0) < BCM_FIXED_POINT_REL
    assert np.abs(late[:-1]).max() < BCM_FIXED_POINT_REL * fixed_point


def test_tour_pair_stdp_depends_on_timing(tour):
    ns, _ = tour
    rule, lags, dw = ns["stdp"], ns["lags"], ns["dw_stdp"]
    closed = np.where(
        lags >= 0,
        rule.A_plus * np.exp(-lags / rule.tau_plus),
        -rule.A_minus * np.exp(lags / rule.tau_minus),
    )
    np.testing.assert_allclose(dw, closed, rtol=0, atol=CLOSED_FORM_EVENT)
    assert np.all(dw[lags > 0] > 0) and np.all(dw[lags < 0] < 0)


# ------------------------------------------------------------------------------- the gallery
GALLERY = hooks.gallery_scripts()


def test_gallery_has_one_script_per_experiment():
    from hebbkit.experiments import names

    sources = "".join(p.read_text() for p in GALLERY)
    for name in names():
        if name == "oscillator-tuning":
            continue  # a sweep, plotted by examples/oscillator_tuning_sweep.py from its store
        assert f'get_experiment("{name}")' in sources, name


@pytest.mark.parametrize("script", GALLERY, ids=[p.stem for p in GALLERY])
def test_gallery_script_runs(script, tmp_path):
    hooks.run_example(script, tmp_path, quick=True)
    figures = sorted(tmp_path.glob(f"{script.stem}_*.png"))
    assert figures and all(f.stat().st_size > 1000 for f in figures)
    gallery = (DOCS / "gallery.md").read_text(encoding="utf-8")
    for figure in figures:
        assert f"figures/gallery/{figure.name}" in gallery


# ------------------------------------------------------------------------ (4) the site builds
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="mkdocs and mkdocstrings are not installed (pip install '.[docs]')",
)
def test_mkdocs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    done = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "tour" / "index.html").exists()
    for figure in ("figures/tour_hebb_runaway.png", "figures/gallery/oja_pca_cosines.png"):
        assert (tmp_path / "site" / figure).stat().st_size > 0
