"""HW2 Q1 and Q2: the networks, the image pipeline, the data, the trainer, the style losses and loop."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from solutions.__main__ import main
from solutions.common.files import DataError, file_digest
from solutions.hw2.common import images
from solutions.hw2.common import vision as vm
from solutions.hw2.q1 import data as hymenoptera
from solutions.hw2.q1 import train as transfer
from solutions.hw2.q2 import data as style_data
from solutions.hw2.q2 import style
from solutions.hw2.q2 import train as style_run
from tests.conftest import SETTINGS, plant

# ---------------------------------------------------------------- networks


@pytest.mark.parametrize("name", ["resnet18", "squeezenet1_1"])
def test_parameter_counts_equal_torchvisions_published_ones(name: str) -> None:
    assert sum(p.numel() for p in vm.build(name, pretrained=False).parameters()) == vm.PUBLISHED_PARAMS[name]


def test_a_saved_state_dict_loads_back_and_gives_the_same_outputs(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = vm.build("squeezenet1_1", pretrained=False).eval()
    path = tmp_path / "weights.pth"
    torch.save(model.state_dict(), path)
    again = vm.build("squeezenet1_1", weights=path).eval()
    x = torch.randn(1, 3, 64, 64)
    assert torch.equal(model(x), again(x))


def test_weights_that_are_not_there_or_not_weights_are_named(tmp_path: Path) -> None:
    with pytest.raises(vm.WeightsError, match="no such weights file"):
        vm.build("resnet18", weights=tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(vm.WeightsError, match="not a PyTorch state dict"):
        vm.build("resnet18", weights=junk)
    other = tmp_path / "squeeze.pth"
    torch.save(vm.build("squeezenet1_1", pretrained=False).state_dict(), other)
    with pytest.raises(vm.WeightsError, match="not resnet18 weights"):
        vm.build("resnet18", weights=other)


def test_an_offline_machine_is_told_which_file_to_fetch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))

    def offline(*args: object, **kwargs: object) -> None:
        raise OSError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(vm.WeightsError) as err:
        vm.build("resnet18")
    assert vm.WEIGHTS["resnet18"] in str(err.value) and "--weights PATH" in str(err.value)


@pytest.mark.parametrize(("scenario", "expected"), [("freeze", 512 * 2 + 2), ("finetune", 11_689_512 - 513_000 + 1026)])
def test_only_the_head_trains_when_frozen(scenario: str, expected: int) -> None:
    model = transfer.make_model(scenario, pretrained=False)
    assert transfer.trainable(model) == expected
    assert model.fc.weight.requires_grad and model.fc.out_features == 2


# ---------------------------------------------------------------- images and data


def test_transforms_give_normalised_224_crops_and_invert() -> None:
    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 500, 3), dtype=np.uint8))
    gen = torch.Generator().manual_seed(0)
    assert images.train_transform(img, gen).shape == (3, 224, 224)
    x = images.eval_transform(img)
    assert x.shape == (3, 224, 224)
    flat = Image.new("RGB", (300, 260), (124, 116, 104))  # ImageNet's mean colour normalises to about 0
    assert images.to_tensor(flat).abs().max() < 0.01
    assert np.abs(np.asarray(images.to_image(images.to_tensor(img)), dtype=int) - np.asarray(img, dtype=int)).max() <= 1


def test_random_crops_repeat_with_the_seed() -> None:
    img = Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 120, 3), dtype=np.uint8))
    a = images.train_transform(img, torch.Generator().manual_seed(5))
    b = images.train_transform(img, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_the_real_archive_has_the_documented_layout() -> None:
    try:
        source = hymenoptera.find_source()
    except DataError:
        pytest.skip("hymenoptera_data is not beside the project")
    src = hymenoptera.Source(source)
    assert src.split("train").skipped == ["hymenoptera_data/train/ants/imageNotFound.gif"]
    if source.is_file():
        assert file_digest(source) == hymenoptera.SHA256


def test_a_zip_and_its_folder_list_the_same_images(tmp_path: Path) -> None:
    folder = hymenoptera.write_tiny_folder(tmp_path / "hymenoptera_data", per_class=2)
    archive = tmp_path / "h.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(folder.rglob("*")):
            z.write(p, p.relative_to(tmp_path).as_posix())
    from_zip, from_folder = hymenoptera.Source(archive).split("train"), hymenoptera.Source(folder).split("train")
    assert [(n.split("/", 1)[1], c) for n, c in from_zip.items] == from_folder.items
    assert len(from_folder.items) == 4 and from_folder.skipped == ["train/ants/imageNotFound.gif"]


def test_an_unreadable_image_is_named(tmp_path: Path) -> None:
    folder = hymenoptera.write_tiny_folder(tmp_path / "d", per_class=1)
    (folder / "val" / "bees" / "0.jpg").write_bytes(b"not a jpeg")
    src = hymenoptera.Source(folder)
    with pytest.raises(DataError, match=r"val/bees/0\.jpg: not a readable image"):
        src.read("val/bees/0.jpg")


def test_transfer_dry_run_records_a_run() -> None:
    run = json.loads(transfer.dry_run("freeze").read_text())
    assert run["dry_run"] and not run["pretrained"] and run["trainable_parameters"] == 1026
    assert run["train_size"] == 8 and run["val_size"] == 8 and run["skipped"] == ["train/ants/imageNotFound.gif"]
    assert len(run["history"]) == 1 and 0 <= run["best_val_correct"] <= 8


# ---------------------------------------------------------------- style transfer


def test_gram_matrix_of_a_known_map() -> None:
    f = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]])
    assert torch.equal(style.gram_matrix(f, normalize=False), torch.tensor([[[30.0, 5.0], [5.0, 2.0]]]))
    assert torch.equal(style.gram_matrix(f), torch.tensor([[[30.0, 5.0], [5.0, 2.0]]]) / 8)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 5, 4)])
def test_hand_written_gradients_match_autograd(shape: tuple[int, ...]) -> None:
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(shape, generator=gen, dtype=torch.float64, requires_grad=True)
    p = torch.randn(shape, generator=gen, dtype=torch.float64)
    a = style.gram_matrix(p)
    for loss, hand in (
        (style.content_loss(0.3, x, p), style.content_grad(0.3, x, p)),
        (2.0 * ((style.gram_matrix(x) - a) ** 2).sum(), style.gram_style_grad(2.0, x, a)),
        (style.tv_loss(x, 0.7), style.tv_grad(x, 0.7)),
    ):
        (auto,) = torch.autograd.grad(loss, x)
        assert torch.allclose(hand, auto, rtol=1e-12, atol=1e-12)


def test_the_schedule_lowers_the_rate_and_stops_clamping() -> None:
    content = torch.full((1, 3, 24, 24), 3.0)  # outside the clamp range
    rates, clamped = [], []

    def watch(t: int, img: torch.Tensor) -> None:
        clamped.append(bool(img.abs().max() <= 1.5 + 1e-6))

    cnn = style.tiny_features()
    sched = style.Schedule(iterations=6, decay_at=3, clamp_until=4)
    original_step = torch.optim.Adam.step

    def step(self: torch.optim.Adam, *a: object, **k: object) -> object:
        rates.append(self.param_groups[0]["lr"])
        return original_step(self, *a, **k)

    torch.optim.Adam.step = step
    try:
        _, history = style.stylize(
            content, content.clone(), cnn, style.SETTINGS["starry_night"], sched, progress=False, on_iteration=watch
        )
    finally:
        torch.optim.Adam.step = original_step
    assert rates == [3.0, 3.0, 3.0, 0.1, 0.1, 0.1]
    assert len(history) == 6
    assert all(h["loss"] == pytest.approx(h["content"] + h["style"] + h["tv"], rel=1e-5) for h in history)


def test_style_dry_run_writes_an_image_and_its_checksum() -> None:
    run_file = style_run.dry_run("the_scream")
    run = json.loads(run_file.read_text())
    picture = run_file.with_name(run["image"])
    assert run["dry_run"] and len(run["history"]) == 10 and picture.is_file()
    assert Image.open(picture).size[0] > 0


def test_a_broken_input_image_is_named(tmp_path: Path) -> None:
    (tmp_path / "tubingen.jpg").write_bytes(b"oops")
    with pytest.raises(style_data.ImageError, match=r"tubingen\.jpg: not a readable image"):
        style_data.load_image(tmp_path / "tubingen.jpg", 32)


def test_cli_dry_runs_and_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "transfer", "--model", "freeze", "--dry-run"]) == 0
    assert main(["stylize", "--style", "starry_night", "--dry-run"]) == 0
    assert main(["stylize", "--style", "monet"]) == 2
    assert "no style 'monet'" in capsys.readouterr().err
    assert main(["train", "transfer", "--model", "finetune", "--data", str(tmp_path / "none")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_a_wrong_hand_computed_step_fails_the_page(docs_copy: Path) -> None:
    from solutions.engine.site import verify_docs

    plant(docs_copy / "hw2" / "q2.md", r"\frac{1}{2} (10 + 4) = 7", r"\frac{1}{2} (10 + 5) = 7")
    failed = [
        r for r in verify_docs(docs_copy, SETTINGS).results if r.status == "failed" and r.claim_id.startswith("hw2.q2.")
    ]
    assert [r.claim_id for r in failed] == ["hw2.q2.example.tv"]
    assert "page - truth = 1/2 (step 1 of the chain)" in failed[0].message


def test_recorded_runs_fill_the_pages_claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result claims, fed runs shaped like real ones (dry runs relabelled here, never in results/)."""
    from solutions.common import runs
    from solutions.engine import registry
    from solutions.hw2.q1 import q1_claims
    from solutions.hw2.q2 import q2_claims

    for scenario in transfer.SCENARIOS:
        run_file = transfer.dry_run(scenario)
        run = json.loads(run_file.read_text()) | {"dry_run": False, "pretrained": True}
        (tmp_path / "transfer").mkdir(exist_ok=True)
        (tmp_path / "transfer" / run_file.name).write_text(json.dumps(run))
    run_file = style_run.dry_run("starry_night")
    (tmp_path / "style").mkdir()
    (tmp_path / "style" / run_file.name).write_text(json.dumps(json.loads(run_file.read_text()) | {"dry_run": False}))
    picture = run_file.with_name(json.loads(run_file.read_text())["image"])
    (tmp_path / "style" / picture.name).write_bytes(picture.read_bytes())
    monkeypatch.setattr(runs, "RESULTS_DIR", tmp_path)

    assert registry.get("hw2.q1.acc.finetune").compute() == 100 * run_for(tmp_path, "finetune")["best_val_accuracy"]
    assert registry.get("hw2.q1.seeds.freeze").compute() == 1
    assert "<svg" in q1_claims.curves().html
    shown = q2_claims.outputs().html
    assert "data:image/png;base64," in shown and "<svg" in shown
    assert 'alt="Tübingen in the style of starry_night' in shown
    (tmp_path / "style" / picture.name).write_bytes(b"changed")
    with pytest.raises(runs.ResultsError, match="not the image its run recorded"):
        q2_claims.outputs()


def run_for(root: Path, scenario: str) -> dict:
    return json.loads(next((root / "transfer").glob(f"{scenario}-*.json")).read_text())
