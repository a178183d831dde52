"""Every recorded run's fingerprint (the losses of its first training batches) is recomputed by its trainer from
the file's settings, data and seed, and must equal the recording exactly: a results file that did not come from
this code, these data and this seed fails here, in seconds rather than in a full re-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.__main__ import main
from solutions.common import reproduce as rp
from solutions.common import runs, schema
from solutions.common.files import DataError
from solutions.common.paths import RESULTS_DIR

RECORDED = sorted(RESULTS_DIR.glob("*/*.json"))
# `make test` recomputes one fingerprint of each task whose data load in seconds, of its smallest model;
# `make test-slow` (which CI runs after `make test`, .ci/run) recomputes every other one, IMDB's included: an IMDB
# fingerprint needs the tokenised corpus, 8 minutes of spaCy in a fresh clone (483 s measured, .cache/ empty).
REPRESENTATIVE = {"captions": "rnn-seed0-", "yelp": "bow-seed0-"}


def _representative(path: Path) -> bool:
    return path.name.startswith(REPRESENTATIVE.get(path.parent.name, "\0"))


def _recorded_runs() -> list[object]:
    slow = pytest.mark.slow
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.name}", marks=() if _representative(path) else slow)
        for path in RECORDED
    ]


def _data_or_skip(task: str) -> None:
    if task == "yelp":
        from solutions.hw2.q6.data import find_source
    elif task == "imdb":
        from solutions.a2.part1.data import find_source
    else:
        return
    try:
        find_source()
    except DataError:
        pytest.skip(f"the {task} data set is not beside the project")


def test_every_recorded_task_with_a_trainer_here_is_covered() -> None:
    assert {p.parent.name for p in RECORDED} == {"captions", "imdb", "yelp"}
    assert len(RECORDED) >= 38


def test_the_fast_suite_recomputes_one_run_of_each_task_but_imdb() -> None:
    chosen = [p for p in RECORDED if _representative(p)]
    assert sorted(p.parent.name for p in chosen) == sorted(REPRESENTATIVE), chosen


@pytest.mark.parametrize("path", _recorded_runs())
def test_every_recorded_fingerprint_is_recomputed_exactly(path: Path) -> None:
    _data_or_skip(path.parent.name)
    run = runs.load_run(path)
    if run.get("fingerprint") is None and path.parent.name not in schema.FINGERPRINTED:
        pytest.skip(f"{path.parent.name} runs are not all fingerprinted yet (`fingerprint --write` adds it)")
    assert run["fingerprint"]["batches"] == runs.FINGERPRINT_BATCHES
    assert rp.check_fingerprint(path) == []


def _copy(tmp_path: Path, change: object = None) -> Path:
    source = min((RESULTS_DIR / "captions").glob("rnn-seed0-*.json"))
    data = json.loads(source.read_text(encoding="utf-8"))
    if change is not None:
        change(data)  # type: ignore[operator]
    copy = tmp_path / "captions" / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return copy


def test_a_forged_fingerprint_is_named_loss_by_loss(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file whose first losses are not this code's (here one loss moved by 1e-12): exit 1, the loss named."""
    recorded = runs.load_run(_copy(tmp_path))["fingerprint"]["losses"]
    copy = _copy(tmp_path, lambda d: d["fingerprint"]["losses"].__setitem__(2, recorded[2] + 1e-12))
    assert main(["fingerprint", str(copy)]) == 1
    out = capsys.readouterr().out
    assert out == (
        f"{copy}: the fingerprint differs:\n"
        f"  fingerprint.losses[2]: recorded {recorded[2] + 1e-12!r}, reproduced {recorded[2]!r}\n"
    )


def test_another_seed_gives_another_fingerprint() -> None:
    """The fingerprint depends on the seed: a file claiming seed 1 with seed 0's first losses would fail."""
    from solutions.hw2.q5 import train

    zero, one = (train.fingerprint(train.Config("rnn", seed)) for seed in (0, 1))
    assert zero != one and len(zero) == len(one) == runs.FINGERPRINT_BATCHES


def test_the_first_batches_of_a_real_run_are_its_fingerprint(tmp_path: Path) -> None:
    """A short real training run records, as its fingerprint, exactly what the fingerprint function recomputes,
    and its first epoch's mean loss is the mean of those batches (two batches of 25 make the epoch)."""
    from solutions.hw2.q5 import train

    cfg = train.Config("lstm", 3, epochs=2, lr_decay=0.995)
    run = json.loads(train.run("lstm", 3, 2, tmp_path, config=cfg).read_text(encoding="utf-8"))
    losses = run["fingerprint"]["losses"]
    assert losses == train.fingerprint(cfg)
    assert run["history"][0]["train_loss"] == pytest.approx((losses[0] + losses[1]) / 2, rel=1e-12)


def test_write_adds_a_marked_fingerprint_once_and_it_then_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(tmp_path, lambda d: d.pop("fingerprint"))
    assert main(["fingerprint", str(copy)]) == 2
    missing = "fingerprint: missing (a run recorded before fingerprints gets one from `fingerprint --write`)"
    assert capsys.readouterr().err == f"error: {copy}: {missing}\n"
    assert main(["fingerprint", "--write", str(copy)]) == 0
    assert capsys.readouterr().out == f"{copy}: fingerprint added (4 batches)\n"
    added = runs.load_run(copy)["fingerprint"]
    assert set(added) == {"batches", "losses", "added_after_run"} and set(added["added_after_run"]) == {
        "commit",
        "date",
    }
    assert (
        added["losses"]
        == runs.load_run(min((RESULTS_DIR / "captions").glob("rnn-seed0-*.json")))["fingerprint"]["losses"]
    )
    assert main(["fingerprint", str(copy)]) == 0
    assert main(["fingerprint", "--write", str(copy)]) == 2  # never overwritten
    assert "fingerprint: recorded already" in capsys.readouterr().err


def test_a_run_of_another_thread_count_is_recomputed_with_its_own() -> None:
    run = {"model": "rnn", "seed": 0, "provenance": {"device": "cpu (x86_64, 2 threads)"}}
    assert rp.recorded_threads(run) == 2
    run["provenance"]["segments"] = [{"threads": 1}, {"threads": 1}]
    assert rp.recorded_threads(run) == 1
    run["provenance"]["segments"] = [{"threads": 1}, {"threads": 2}]
    with pytest.raises(rp.ReproduceError, match=r"changed thread counts \(\[1, 2\]\)"):
        rp.recorded_threads(run)
    with pytest.raises(rp.ReproduceError, match="recomputed on the CPU only"):
        rp.recorded_threads({"model": "rnn", "seed": 0, "provenance": {"device": "NVIDIA H200"}})
