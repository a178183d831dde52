"""The course's shared helpers: file hashing, the data locator and its checked download, the run recorder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from solutions.common import paths, runs
from solutions.common.files import (
    DataError,
    DataSet,
    Download,
    atomic_path,
    combined_digest,
    fetch,
    file_digest,
    locate,
)


def test_file_digest_streams_any_algorithm(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 9000  # more than one 1 MiB block
    path.write_bytes(data)
    assert file_digest(path) == hashlib.sha256(data).hexdigest()
    assert file_digest(path, "md5") == hashlib.md5(data).hexdigest()
    assert combined_digest({"a": "1", "b": "2"}) == "sha256:" + hashlib.sha256(b"a:1\nb:2\n").hexdigest()


def test_an_interrupted_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]
    with atomic_path(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new" and list(tmp_path.iterdir()) == [path]


def test_the_locator_takes_explicit_then_environment_then_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, mine, theirs = tmp_path / "local", tmp_path / "mine", tmp_path / "theirs"
    for p in (local, mine, theirs):
        p.mkdir()
    monkeypatch.delenv("SOME_DATA", raising=False)
    some = DataSet("some data", "SOME_DATA", (tmp_path / "absent", local), folder=True, expect="give the folder")
    assert locate(some, None) == local
    monkeypatch.setenv("SOME_DATA", str(theirs))
    assert locate(some, None) == theirs
    assert locate(some, mine) == mine
    with pytest.raises(DataError, match=r"nowhere: not a folder \(give the folder\)"):
        locate(some, tmp_path / "nowhere")
    monkeypatch.delenv("SOME_DATA")
    with pytest.raises(DataError, match=r"no some data found: pass --data PATH or set \$SOME_DATA \(looked in "):
        locate(DataSet("some data", "SOME_DATA", (tmp_path / "absent",)), None)


def test_a_download_is_kept_only_with_its_digest(tmp_path: Path) -> None:
    source = tmp_path / "published.zip"
    source.write_bytes(b"the archive")
    digest = "sha256:" + hashlib.sha256(b"the archive").hexdigest()
    good = Download(source.as_uri(), digest, tmp_path / "cache" / "a.zip")
    assert fetch(good, "hint") == good.dest and good.dest.read_bytes() == b"the archive"
    source.unlink()  # a checked copy is used again without the network
    assert fetch(good, "hint") == good.dest
    source.write_bytes(b"tampered")
    bad = Download(source.as_uri(), "md5:" + hashlib.md5(b"the archive").hexdigest(), tmp_path / "cache" / "b.zip")
    with pytest.raises(DataError, match=r"the download has md5 .*, expected md5:.*; it was removed"):
        fetch(bad, "hint")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["a.zip"]
    gone = Download((tmp_path / "missing.zip").as_uri(), good.digest, tmp_path / "cache" / "c.zip")
    with pytest.raises(DataError, match=r"cannot download .*missing\.zip .*; pass --data"):
        locate(DataSet("some data", "SOME_DATA_UNSET", download=gone), None)


def test_every_data_location_is_under_the_repository_or_beside_it() -> None:
    assert paths.RESULTS_DIR == paths.REPO_ROOT / "results" and (paths.REPO_ROOT / "solutions").is_dir()
    for p in (paths.IMDB_LOCAL, paths.HYMENOPTERA_LOCAL, paths.YELP_LOCAL, paths.STYLE_IMAGES_LOCAL):
        assert p.is_relative_to(paths.SHARED_DATA)


def test_the_recorder_refuses_a_record_its_task_schema_does_not_know_and_writes_nothing(tmp_path: Path) -> None:
    """Every results file is validated before it is written (solutions/common/schema.py): a record of an
    unknown task (or one its task's model refuses) leaves no file behind.  The provenance of real records is
    checked by the trainers' own tests (captions, Yelp, IMDB dry runs) through the same Recorder."""
    record = runs.Recorder("demo", "m", 3, tmp_path)
    with pytest.raises(runs.ResultsError, match=r"\(not written\): task: 'demo' is not one of captions, imdb"):
        record.write(
            f"m-seed3-{record.stamp()}.json",
            {"score": 1.0},
            epochs=2,
            dry_run=False,
            device=runs.device_description(threads=1),
            packages=("numpy",),
            data_source="d",
            data_checksum="sha256:00",
        )
    assert not any(tmp_path.rglob("*.json"))
