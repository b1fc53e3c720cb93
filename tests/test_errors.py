"""Every parameter of every registered class, given a value outside its declared range, fails
with a one-line ParameterError that names it (scikit-learn's generated invalid-parameter checks).
The CLI turns the same errors into exit code 2 with no partial output."""

import subprocess
import sys
import typing

import annotated_types
import pytest

from hebbkit.errors import ParameterError
from hebbkit.neurons.rate import TRANSFERS
from hebbkit.rules import RULES


def _registered() -> list[tuple[type, dict]]:
    """Every public parameter class, with the smallest valid arguments it needs."""
    import numpy as np

    from hebbkit import drives
    from hebbkit.engine import Record
    from hebbkit.networks.feedforward import FeedForward
    from hebbkit.networks.oscillator import Imprint, LinearOscillator, Oscillator, OscillatoryDrive
    from hebbkit.networks.spiking import SpikingFeedForward
    from hebbkit.neurons import spiking
    from hebbkit.rules.windows import WINDOWS, ExponentialWindow

    eye = np.eye(2)
    xi = np.array([1.0, 1.0j]) / np.sqrt(2)
    osc = {"alpha": 100.0, "beta": 250.0, "gamma": 250.0, "J": eye, "W": eye}
    needs: dict[type, dict] = {
        FeedForward: {"n_pre": 3, "n_post": 2},
        LinearOscillator: osc,
        Oscillator: osc,
        OscillatoryDrive: {"xi": xi, "frequency": 41.0},
        Imprint: {
            "xi": xi,
            "frequency": 41.0,
            "window": ExponentialWindow(),
            "eta_J": 1.0,
            "eta_W": 1.0,
            "duration": 1.0,
        },
        SpikingFeedForward: {"n_pre": 3, "n_post": 1},
        spiking.SpikeTrains: {"times": np.array([0.01, 0.02]), "indices": np.array([0, 1])},
        WINDOWS.get("callable", type(None)): {"fn": np.exp},
        drives.GaussianDrive: {"cov": eye},
        drives.DataDrive: {"data": np.ones((4, 2))},
        drives.ArrayDrive: {"pre": np.ones((4, 2))},
    }
    classes = [
        *RULES.values(),
        *TRANSFERS.values(),
        *WINDOWS.values(),
        *needs,
        spiking.LIF,
        spiking.PoissonInput,
        spiking.AdExClopath,
        drives.ConstantRates,
        Record,
    ]
    return [(cls, needs.get(cls, {})) for cls in dict.fromkeys(classes) if cls is not type(None)]


def _bad_values(info) -> list[object]:
    """Values that break the field's declared constraints."""
    bad: list[object] = []
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Gt):
            bad.append(meta.gt - 1 if isinstance(meta.gt, int) else meta.gt - 1.0)
        elif isinstance(meta, annotated_types.Ge):
            bad.append(meta.ge - 1)
        elif isinstance(meta, annotated_types.Lt):
            bad.append(meta.lt + 1)
        elif isinstance(meta, annotated_types.Le):
            bad.append(meta.le + 1)
    annotation = info.annotation
    if annotation is float:
        bad.append(float("nan"))
    if typing.get_origin(annotation) is typing.Literal:
        bad.append("not-an-option")
    return bad


def _cases():
    for cls, needs in _registered():
        for name, info in getattr(cls, "__pydantic_fields__", {}).items():
            for value in _bad_values(info):
                yield pytest.param(cls, needs, name, value, id=f"{cls.__name__}.{name}={value!r}")


@pytest.mark.parametrize(("cls", "needs", "name", "value"), list(_cases()))
def test_out_of_range_parameter_is_named_in_one_line(cls, needs, name, value):
    cls(**needs)  # the valid baseline constructs
    with pytest.raises(ParameterError) as info:
        cls(**{**needs, name: value})
    message = str(info.value)
    assert message.startswith(f"{cls.__name__}.{name}:"), message
    assert "\n" not in message


def test_every_registered_class_is_walked():
    classes = _registered()
    assert len(classes) >= 30
    assert len(list(_cases())) >= 2 * len(classes)


def _cli(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hebbkit", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("run", "no-such-experiment"), "error: experiment: must be one of"),
        (("run", "{exp}", "--set", "seed"), "error: --set: must look like dotted.path=value"),
        (("run", "{exp}", "--set", "seed=-4"), "error: config: seed: input should be greater"),
        (("run", "{exp}", "--set", "seed=abc"), "error: config: seed: input should be a valid"),
        (("run", "{exp}", "--set", "nope=1"), "error: config: nope: is not a parameter"),
        (("run", "{exp}", "--config", "bad.toml"), "error: bad.toml: is not valid TOML"),
        (("run", "{exp}", "--backend", "cuda"), "error: config: backend: input should be"),
        (("run", "{exp}", "--config", "binary.toml"), "error: binary.toml: must be a TOML file in"),
        (("run",), "error: Missing argument"),
        (("frobnicate",), "error: No such command"),
    ],
)
def test_cli_errors_exit_2_with_one_line_and_no_output(tmp_path, args, pattern):
    from hebbkit.experiments import names

    (tmp_path / "bad.toml").write_text("seed = = 1\n")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe seed")
    exp = names()[0] if names() else "no-such-experiment"
    args = tuple(a.format(exp=exp) for a in args)
    proc = (
        _cli(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
        if len(args) > 1
        else _cli(*args, cwd=tmp_path)
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(pattern), proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "binary.toml"]


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_cli_out_that_is_not_a_result_is_refused_before_the_run(tmp_path, kind):
    """--out naming a file, or a directory that holds something else than an earlier result,
    is refused in one line before anything runs, and left as it was: a result replaces only a
    result."""
    out = tmp_path / "mine"
    if kind == "file":
        out.write_text("precious\n")
    else:
        out.mkdir()
        (out / "thesis.txt").write_text("precious\n")
    proc = _cli("run", "oja-pca", "--quick", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    expected = "not a file" if kind == "file" else "or an earlier result"
    assert len(lines) == 1 and lines[0].startswith(f"error: --out {out}: must be"), lines
    assert expected in lines[0]
    kept = out if kind == "file" else out / "thesis.txt"
    assert kept.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_union_field_error_names_the_field_and_the_real_problem():
    # rate is a number or a tuple of numbers: a tuple with a negative entry is reported as
    # that, not as "should be a valid number" from the scalar branch of the union
    from hebbkit.neurons.spiking import PoissonInput

    with pytest.raises(ParameterError) as info:
        PoissonInput(rate=(1.0, -1.0))
    assert str(info.value) == (
        "PoissonInput.rate: input should be greater than or equal to 0 (got -1.0)"
    )
