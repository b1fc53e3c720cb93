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


def _registered() -> list[type]:
    classes: list[type] = [*RULES.values(), *TRANSFERS.values()]
    for module, name in [
        ("hebbkit.rules.windows", "WINDOWS"),
        ("hebbkit.neurons.spiking", "NEURONS"),
        ("hebbkit.networks", "NETWORKS"),
    ]:
        try:
            registry = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            continue
        classes.extend(registry.values())
    return classes


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
    for cls in _registered():
        for name, info in getattr(cls, "__pydantic_fields__", {}).items():
            for value in _bad_values(info):
                yield pytest.param(cls, name, value, id=f"{cls.__name__}.{name}={value!r}")


@pytest.mark.parametrize(("cls", "name", "value"), list(_cases()))
def test_out_of_range_parameter_is_named_in_one_line(cls, name, value):
    with pytest.raises(ParameterError) as info:
        cls(**{name: value})
    message = str(info.value)
    assert message.startswith(f"{cls.__name__}.{name}:"), message
    assert "\n" not in message


def test_every_registered_class_is_walked():
    assert len(list(_cases())) >= 2 * len(_registered()) - 5


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
        (("run",), "error: Missing argument"),
        (("frobnicate",), "error: No such command"),
    ],
)
def test_cli_errors_exit_2_with_one_line_and_no_output(tmp_path, args, pattern):
    from hebbkit.experiments import names

    (tmp_path / "bad.toml").write_text("seed = = 1\n")
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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
