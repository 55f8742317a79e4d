"""The voices file and voice blends, on a real .npz written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wyoming_kokoro.engine.voices import VoiceBank, VoiceError

SHAPE = (510, 1, 256)


@pytest.fixture
def bank(tmp_path: Path) -> VoiceBank:
    path = tmp_path / "voices.npz"
    np.savez(
        path,
        af_one=np.full(SHAPE, 1.0, dtype=np.float32),
        am_two=np.full(SHAPE, 3.0, dtype=np.float32),
    )
    return VoiceBank.load(path)


def test_load_reads_every_voice(bank: VoiceBank) -> None:
    assert bank.names == ["af_one", "am_two"]
    assert "af_one" in bank
    assert "nobody" not in bank
    style = bank.style("af_one")
    assert style.dtype == np.float32
    assert style.shape == SHAPE


def test_blend_weights_are_normalized(bank: VoiceBank) -> None:
    blended = bank.style("af_one:0.75+am_two:0.25")
    assert np.allclose(blended, 1.5)
    assert np.allclose(bank.style("af_one:3+am_two:1"), 1.5)
    assert np.allclose(bank.style("af_one + am_two"), 2.0)


def test_canonical_drops_spaces(bank: VoiceBank) -> None:
    assert bank.canonical(" af_one : 0.6 + am_two:0.4 ") == "af_one:0.6+am_two:0.4"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nobody", "Unknown voice 'nobody'. Available: af_one, am_two"),
        ("af_one:0.5+", "Malformed voice 'af_one:0.5+'"),
        ("af_one:x", "Malformed voice"),
        ("af_one:0+am_two:0", "must be a finite number above 0"),
    ],
)
def test_bad_voices_are_refused_with_the_choices(bank: VoiceBank, spec: str, message: str) -> None:
    with pytest.raises(VoiceError, match=message.replace("+", r"\+")):
        bank.style(spec)


def test_an_empty_voices_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.npz"
    np.savez(path)
    with pytest.raises(VoiceError, match="holds no voices"):
        VoiceBank.load(path)
