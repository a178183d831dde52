"""HW2 Q5: the captioning layers' backward passes, and the recorded overfitting runs.

The backward checks run on every build (:mod:`solutions.hw2.q5.captioning_checks`);
the training figures are read from the results files written by
``python -m solutions train captions`` (never typed in).
"""

from __future__ import annotations

import html
import statistics

import numpy as np
import sympy

from solutions.common import plots, runs
from solutions.engine import Decimal, Formula, Generated, Integer, Pending, Shown, claim
from solutions.hw2.common import brief, rnn_layers
from solutions.hw2.common.layer_checks import rows_latex
from solutions.hw2.q5 import captioning_checks, data, train

CELLS = ("rnn", "lstm")
EPOCHS = 50


def _runs(cell: str) -> list[dict]:
    return runs.recorded("captions", cell, epochs=EPOCHS)


@claim("hw2.q5.backward_checks", Generated(), "solutions/hw2/q5/captioning_checks.py, on every build")
def backward_checks() -> Shown:
    rows = captioning_checks.layer_rows() + captioning_checks.model_rows()
    return Shown(
        rows_latex(rows),
        "layers against float64 torch autograd and centred differences (including a "
        "fully masked row); the whole model's loss against centred differences for "
        "every parameter",
    )


@claim("hw2.q5.vocab_size", Integer(), "len(word_to_idx) of the synthetic set, special tokens included")
def vocab_size() -> int:
    return len(data.vocabulary()[1])


for _cell in CELLS:
    claim(
        f"hw2.q5.final_loss.{_cell}",
        Decimal(tol=0.0005),
        "mean over seeds of the last epoch's training loss, results/captions/",
    )(lambda cell=_cell: statistics.fmean(r["final_train_loss"] for r in _runs(cell)))
    claim(f"hw2.q5.max_final_loss.{_cell}", Decimal(tol=0.0005), "the largest last-epoch training loss over the seeds")(
        lambda cell=_cell: max(r["final_train_loss"] for r in _runs(cell))
    )
    claim(f"hw2.q5.first_loss.{_cell}", Decimal(tol=0.05), "mean over seeds of the first epoch's training loss")(
        lambda cell=_cell: statistics.fmean(r["history"][0]["train_loss"] for r in _runs(cell))
    )
    claim(
        f"hw2.q5.exact_train.{_cell}",
        Decimal(tol=0.05),
        "mean % of the training captions decoded greedily word for word",
    )(lambda cell=_cell: statistics.fmean(100 * r["exact_match"]["train"] for r in _runs(cell)))
    claim(
        f"hw2.q5.exact_val.{_cell}",
        Decimal(tol=0.05),
        "mean % of the validation captions decoded greedily word for word",
    )(lambda cell=_cell: statistics.fmean(100 * r["exact_match"]["val"] for r in _runs(cell)))
    claim(f"hw2.q5.seeds.{_cell}", Integer(), "the number of recorded runs (one per seed)")(
        lambda cell=_cell: len(_runs(cell))
    )


def _all_runs() -> list[dict]:
    return runs.recorded("captions", *CELLS, epochs=EPOCHS)


for _name, (_kind, _how) in {
    "max_train": (Integer(), "the trainer's number of training captions (train.Config), as every recorded run used it"),
    "batch_size": (Integer(), "the trainer's batch size, as every recorded run used it"),
    "epochs": (Integer(), "the trainer's number of epochs, as every recorded run used it"),
    "wordvec_dim": (Integer(), "the trainer's word-vector size, as every recorded run used it"),
    "hidden_dim": (Integer(), "the trainer's hidden size, as every recorded run used it"),
    "input_dim": (
        Integer(),
        "the size of the synthetic image features the trainer builds, as every recorded run used it",
    ),
    "lr": (Decimal(tol=0), "the trainer's Adam learning rate, as every recorded run used it"),
}.items():
    claim(f"hw2.q5.recipe.{_name}", _kind, _how)(
        lambda name=_name: runs.setting(name, getattr(train.Config, name), _all_runs())
    )
for _cell in CELLS:
    claim(
        f"hw2.q5.recipe.lr_decay.{_cell}",
        Decimal(tol=0),
        "the trainer's learning-rate decay per epoch for this cell (train.LR_DECAY), as its recorded runs used it",
    )(lambda cell=_cell: runs.setting("lr_decay", train.LR_DECAY[cell], _runs(cell)))


@claim("hw2.q5.val_captions", Integer(), "the validation captions every recorded run decoded (they agree)")
def val_captions() -> int:
    (n,) = {r["data"]["val_captions"] for r in _all_runs()}
    return n


@claim("hw2.q5.mean_words", Decimal(tol=0.05), "mean words per training caption of the runs (special tokens excluded)")
def mean_words() -> float:
    built = data.build(train.DATA_SEED, input_dim=train.Config.input_dim)
    special = {built["word_to_idx"][t] for t in ("<NULL>", "<START>", "<END>")}
    captions = built["train_captions"][: train.Config.max_train]
    return statistics.fmean(sum(int(w) not in special for w in row) for row in captions)


for _cell in CELLS:
    claim(
        f"hw2.q5.per_word_loss.{_cell}",
        Decimal(tol=0.0005),
        "the mean last-epoch training loss divided by the mean words per caption",
    )(lambda cell=_cell: statistics.fmean(r["final_train_loss"] for r in _runs(cell)) / mean_words())


@claim("hw2.q5.learning_curves", Generated(), "plotted from the per-epoch history of each results file")
def learning_curves() -> Shown:
    series = {
        f"{r['model']}, seed {r['seed']}": [(e["epoch"], e["train_loss"]) for e in r["history"]]
        for cell in CELLS
        for r in _runs(cell)
    }
    svg = plots.line_chart(
        series,
        "Training loss on 50 synthetic captions, by epoch (log scale)",
        "epoch",
        "training loss (sum over words)",
        log_y=True,
    )
    return Shown("", "drawn from results/captions/", html=svg)


@claim("hw2.q5.samples", Generated(), "the greedy captions stored in the seed-0 results files")
def samples() -> Shown:
    rows = []
    for cell in CELLS:
        run = next((r for r in _runs(cell) if r["seed"] == 0), None)
        if run is None:
            raise Pending(f"no seed-0 run of {cell!r}")
        for split in ("train", "val"):
            for s in run["samples"][split][:3]:
                mark = "yes" if s["generated"] == s["truth"] else "no"
                rows.append([cell, split, html.escape(s["generated"]), html.escape(s["truth"]), mark])
    table = plots.html_table(["model", "split", "generated (greedy)", "true caption", "identical"], rows)
    return Shown("", "read from results/captions/", html=table)


# ------------------------------------------------------------------ the temporal softmax loss's gradient


def _softmax_gradient_checked() -> None:
    """The layer's gradient (rnn_layers.temporal_softmax_loss) is (p - y)/N where the mask is on, 0 where off."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        n, t, v = rng.integers(1, 4, size=3) + 1
        x = rng.normal(size=(n, t, v))
        y = rng.integers(0, v, size=(n, t))
        mask = rng.random((n, t)) < 0.6
        _, dx = rnn_layers.temporal_softmax_loss(x, y, mask)
        p = np.exp(x - x.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        onehot = np.eye(v)[y]
        expected = np.where(mask[..., None], (p - onehot) / n, 0.0)
        if not np.allclose(dx, expected, atol=1e-12):
            raise AssertionError("the temporal softmax loss's gradient is not (p - y)/N where the mask is on")


@claim(
    "hw2.q5.softmax_gradient",
    Formula(),
    "sympy: d/ds_v of -log(softmax(s)_y)/N, 3 classes, every v and y; the layer's gradient agrees at 20 random shapes",
)
def softmax_gradient() -> sympy.Expr:
    p_v, y_v, big_n = sympy.symbols("p_v y_v N")
    s = sympy.symbols("s_0:3")
    total = sum(sympy.exp(si) for si in s)
    for y in range(3):
        loss = -sympy.log(sympy.exp(s[y]) / total) / big_n
        for v in range(3):
            derived = sympy.diff(loss, s[v])
            stated = ((p_v - y_v) / big_n).subs({p_v: sympy.exp(s[v]) / total, y_v: int(v == y)})
            if sympy.simplify(derived - stated) != 0:
                raise AssertionError(f"d loss / d s_{v} with target {y} is {derived}")
    _softmax_gradient_checked()
    return (p_v - y_v) / big_n


@claim("hw2.q5.softmax_gradient_off", Integer(), "the layer's gradient where the mask is off, at 20 random shapes")
def softmax_gradient_off() -> int:
    _softmax_gradient_checked()
    return 0


@claim("hw2.q5.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(5)
