"""HW2 Q6: sentence sentiment on Yelp, as claims.

Every training figure is read from the results files that ``python -m solutions
train yelp`` writes under ``results/yelp/``; with no run recorded a claim is
pending.  Figures about the data (split sizes, vocabulary, GloVe coverage) are
read from those files too, so the page builds where the data is absent; where
the data *is* present and is the data the runs used (same checksum), they are
recomputed from it and must agree.  Parameter counts come from PyTorch and a
closed form, which must agree with each other and with the recorded runs.
"""

from __future__ import annotations

import functools
import html
import itertools
import statistics
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
import torch

from solutions.common import plots, runs
from solutions.engine import Decimal, Formula, Generated, Integer, Pending, Shown, claim
from solutions.hw2.common import brief
from solutions.hw2.common import sheet as hw2_sheet
from solutions.hw2.q6 import data as yelp_data
from solutions.hw2.q6.model import MODELS, TITLES, USES_GLOVE, build
from solutions.hw2.q6.predictions import chosen_run, file_name
from solutions.hw2.q6.train import Config


def _runs(model: str) -> list[dict]:
    return runs.recorded("yelp", model)


def _all_runs() -> list[dict]:
    return runs.recorded("yelp", *MODELS)


def _agreed(field: str, pick=lambda v: v) -> int:
    """A figure every recorded run must have recorded alike (they all read the same data)."""
    values = {repr(pick(r[field])): (pick(r[field]), r) for r in _all_runs() if r.get(field) is not None}
    if not values:
        raise Pending(f"no recorded run has {field!r}")
    if len(values) > 1:
        (a, ra), (b, rb) = list(values.values())[:2]
        raise runs.ResultsError(
            f"results/yelp/: {field} is {a} in the run of {ra['model']} seed {ra['seed']} "
            f"but {b} in that of {rb['model']} seed {rb['seed']}: "
            "were they trained on different data?"
        )
    return next(iter(values.values()))[0]


@functools.cache
def _local_data() -> tuple[dict, yelp_data.Vocab] | None:
    """The data set beside the project, when it is the one the runs used; else None."""
    try:
        folder = yelp_data.find_source()
    except yelp_data.DataError:
        return None
    corpus, checksum = yelp_data.load(folder)
    if checksum != _agreed("provenance", lambda p: p["data_checksum"]):
        return None
    return corpus, yelp_data.Vocab(corpus["train"])


for _split in yelp_data.SPLITS:

    def _size(split: str = _split) -> int:
        recorded = _agreed("sizes", lambda s, split=split: s[split])
        local = _local_data()
        if local is not None and len(local[0][split]) != recorded:
            raise AssertionError(
                f"{split}: {len(local[0][split])} sentences in the data, {recorded} in the results files"
            )
        return recorded

    claim(
        f"hw2.q6.size.{_split}", Integer(), "read from the results files; recounted from the data when it is present"
    )(_size)


@claim(
    "hw2.q6.vocab_size",
    Integer(),
    "every distinct training token plus <unk> and <pad>; recounted from the data when present",
)
def vocab_size() -> int:
    recorded = _agreed("vocab_size")
    local = _local_data()
    if local is not None and len(local[1]) != recorded:
        raise AssertionError(f"the training split gives {len(local[1])} entries, the results files {recorded}")
    return recorded


def _summary(key: str, split: str | None = None) -> int:
    """A figure of ``yelp_data.summary``, recorded by every run; recomputed from the data when present."""

    def pick(d: dict) -> int:
        return d[key][split] if split else max(d[key].values())

    recorded = _agreed("data_summary", pick)
    local = _local_data()
    if local is not None and pick(yelp_data.summary(local[0])) != recorded:
        raise AssertionError(f"{key}: the data gives {pick(yelp_data.summary(local[0]))}, the results files {recorded}")
    return recorded


@claim(
    "hw2.q6.train_balance",
    Integer(),
    "sentences labelled 1 in the training split, recorded by every run; recounted when the data is present",
)
def train_balance() -> int:
    return _summary("positives", "train")


@claim(
    "hw2.q6.max_tokens",
    Integer(),
    "the longest sentence of any split, in tokens, recorded by every run; recounted when the data is present",
)
def max_tokens() -> int:
    return _summary("max_tokens")


def _glove(key: str):
    return _agreed("glove", lambda g: g[key])


@claim("hw2.q6.glove_found", Integer(), "vocabulary entries with a GloVe vector, recorded by each GloVe run")
def glove_found() -> int:
    return _glove("found")


@claim("hw2.q6.glove_coverage", Decimal(tol=0.005), "GloVe hits / vocabulary size, in percent")
def glove_coverage() -> float:
    return 100 * _glove("found") / _glove("vocab_size")


def _closed_form(model: str, V: Any, E: Any = Config.embedding_dim, H: Any = Config.hidden) -> Any:
    """Weights + biases, from the shapes: a bag of words has one weight per word; the rest an embedding table."""
    head = {"bow": V, "avg": E, "glove_avg": E, "glove_rnn": H, "glove_lstm": H}[model] + 1
    recurrent = {"glove_rnn": H * (E + H + 2), "glove_lstm": 4 * H * (E + H + 2)}.get(model, 0)
    return head + recurrent + (0 if model == "bow" else V * E)


for _model in MODELS:

    def _params(model: str = _model) -> int:
        V = vocab_size()
        pretrained = np.zeros((V, Config.embedding_dim), dtype=np.float32) if model in USES_GLOVE else None
        torch_count = sum(p.numel() for p in build(model, V, 1, pretrained=pretrained).parameters())
        closed = _closed_form(model, V)
        recorded = {r["parameters"] for r in _runs(model)}
        if {torch_count, closed} | recorded != {closed}:
            raise AssertionError(
                f"{model}: PyTorch counts {torch_count}, the closed form {closed}, the runs {sorted(recorded)}"
            )
        return closed

    claim(
        f"hw2.q6.params.{_model}",
        Integer(),
        "PyTorch's count of the model = the closed form = the count each run recorded",
    )(_params)
    claim(
        f"hw2.q6.acc.{_model}",
        Decimal(tol=0.005),
        "mean test accuracy (%) of the recorded runs' dev-selected checkpoints",
    )(lambda model=_model: runs.mean_percent(_runs(model), "test_accuracy"))
    claim(
        f"hw2.q6.acc_std.{_model}", Decimal(tol=0.005), "sample standard deviation (points) of the same test accuracies"
    )(lambda model=_model: runs.spread([100 * r["test_accuracy"] for r in _runs(model)]))
    claim(f"hw2.q6.dev.{_model}", Decimal(tol=0.005), "mean dev accuracy (%) of the selected checkpoints")(
        lambda model=_model: runs.mean_percent(_runs(model), "dev_accuracy")
    )
    claim(f"hw2.q6.seeds.{_model}", Integer(), "the number of recorded runs (one per seed) in results/yelp/")(
        lambda model=_model: len(_runs(model))
    )
    claim(
        f"hw2.q6.sheet.{_model}",
        Decimal(tol=0.005),
        hw2_sheet.HOW + ", in percent",
    )(lambda model=_model: 100 * hw2_sheet.q6_test_acc()[model])
    claim(f"hw2.q6.gap.{_model}", Decimal(tol=0.005), "our mean test accuracy minus the sheet's figure, in points")(
        lambda model=_model: runs.mean_percent(_runs(model), "test_accuracy") - 100 * hw2_sheet.q6_test_acc()[model]
    )


def _test_means() -> dict[str, float]:
    return {m: runs.mean_percent(_runs(m), "test_accuracy") for m in MODELS}


def _rank(model: str) -> int:
    """1 for the highest mean test accuracy; a tie shares the better rank."""
    means = _test_means()
    return 1 + sum(v > means[model] for v in means.values())


for _model in MODELS:
    claim(f"hw2.q6.rank.{_model}", Integer(), "rank of the mean test accuracy among the five models (1 = highest)")(
        lambda model=_model: _rank(model)
    )

_SIMPLE = ("bow", "avg", "glove_avg")  # the three models without recurrence


@claim(
    "hw2.q6.simple_spread",
    Decimal(tol=0.005),
    "highest minus lowest mean test accuracy (points) of the three models without recurrence",
)
def simple_spread() -> float:
    means = _test_means()
    return max(means[m] for m in _SIMPLE) - min(means[m] for m in _SIMPLE)


_V, _E, _H = sympy.symbols("V E H")


def _formula(model: str) -> sympy.Expr:
    """The closed form of :func:`_closed_form` with the sizes left as symbols (the same function)."""
    return sympy.expand(_closed_form(model, _V, _E, _H))


for _model, _how in {
    "bow": "the closed form the parameter check uses, with V left a symbol",
    "avg": "the same closed form for the averaging models",
    "glove_rnn": "the same closed form for the RNN",
    "glove_lstm": "the same closed form for the LSTM",
}.items():
    claim(f"hw2.q6.formula.{_model}", Formula(), _how)(lambda model=_model: _formula(model))


_GRID = ((1, 1), (3, 2), (50, 64))  # (E, H) at which PyTorch's own counts are compared


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@claim("hw2.q6.formula.rnn_block", Formula(), "PyTorch's count for nn.RNN(E, H), matched by h(d + h + 2) on a grid")
def rnn_block() -> sympy.Expr:
    expr = _H * (_E + _H + 2)
    for e, h in _GRID:
        if _count(torch.nn.RNN(e, h)) != expr.subs({_E: e, _H: h}):
            raise AssertionError(f"nn.RNN({e}, {h}) does not have H(E + H + 2) parameters")
    return expr


@claim("hw2.q6.lstm_blocks", Integer(), "PyTorch's count for nn.LSTM(E, H) over nn.RNN(E, H)'s, on a grid (equal)")
def lstm_blocks() -> int:
    ratios = set()
    for e, h in _GRID:
        ratios.add(Fraction(_count(torch.nn.LSTM(e, h)), _count(torch.nn.RNN(e, h))))
    (ratio,) = ratios
    if ratio.denominator != 1:
        raise AssertionError(f"an LSTM has {ratio} times an RNN's parameters, not a whole number of blocks")
    return int(ratio)


@claim(
    "hw2.q6.simple_latest_best",
    Integer(),
    "the latest best-dev epoch over every recorded run of the three simple models (results/yelp/)",
)
def simple_latest_best() -> int:
    return max(r["best_epoch"] for r in _simple_runs())


def _simple_runs() -> list[dict]:
    return [r for m in _SIMPLE for r in _runs(m)]


@claim(
    "hw2.q6.simple_loss_falls",
    Integer(),
    "recorded runs of the three simple models whose training loss is lower after every epoch than after the one "
    "before (it must be all of them)",
)
def simple_loss_falls() -> int:
    found = _simple_runs()
    falls = [all(b["train_loss"] < a["train_loss"] for a, b in itertools.pairwise(r["history"])) for r in found]
    if not all(falls):
        raise AssertionError(f"{falls.count(False)} of {len(found)} runs have an epoch whose training loss rose")
    return len(found)


def _setting(name: str) -> Any:
    """A setting every model's trainer uses alike (train.Config), as every recorded run used it."""
    (value,) = {getattr(Config.for_model(m), name) for m in MODELS}
    return runs.setting(name, value, _all_runs())


for _name, _how in {
    "embedding_dim": "the trainer's embedding size (every model), as every recorded run used it",
    "hidden": "the trainer's hidden size (RNN and LSTM), as every recorded run used it",
    "batch_size": "the trainer's batch size (every model), as every recorded run used it",
    "epochs": "the trainer's number of epochs (every model), as every recorded run used it",
}.items():
    claim(f"hw2.q6.recipe.{_name}", Integer(), _how)(lambda name=_name: _setting(name))


@claim("hw2.q6.glove_dim", Integer(), "the dimension of the GloVe vectors each GloVe run recorded (they agree)")
def glove_dim() -> int:
    return _glove("dim")


@claim(
    "hw2.q6.minutes",
    Decimal(tol=0.05),
    "the sum of the recorded runs' durations (provenance.duration_seconds), in minutes",
)
def minutes() -> float:
    return sum(r["provenance"]["duration_seconds"] for r in _all_runs()) / 60


@claim("hw2.q6.run_count", Integer(), "the number of results files under results/yelp/")
def run_count() -> int:
    return len(_all_runs())


@claim("hw2.q6.settings", Generated(), "each model's settings as stored in its results files (all seeds alike)")
def settings() -> Shown:
    rows = []
    for model in MODELS:
        found = _runs(model)
        if len({repr(sorted((k, v) for k, v in r["hyperparameters"].items() if k != "seed")) for r in found}) > 1:
            raise runs.ResultsError(f"results/yelp/: the runs of {model} used different settings")
        h = found[0]["hyperparameters"]
        rows.append(
            [
                html.escape(TITLES[model]),
                h["epochs"],
                h["batch_size"],
                f"{h['lr']:g}",
                f"{h['dropout']:g}",
                h["embedding_dim"] if model != "bow" else "–",
                h["hidden"] if model in ("glove_rnn", "glove_lstm") else "–",
            ]
        )
    head = ["model", "epochs", "batch", "Adam learning rate", "dropout", "embedding size", "hidden size"]
    return Shown("", "read from results/yelp/", html=plots.html_table(head, rows))


@claim("hw2.q6.recorded_runs", Generated(), "one row per results file under results/yelp/")
def recorded_runs() -> Shown:
    rows = [
        [
            html.escape(TITLES[r["model"]]),
            r["seed"],
            r["best_epoch"],
            f"{100 * r['dev_accuracy']:.2f}",
            f"{100 * r['test_accuracy']:.2f}",
            f"{r['provenance']['duration_seconds']:.1f}",
            html.escape(r["provenance"]["device"]),
            f"<code>{html.escape(r['provenance']['commit'][:12])}</code>",
            html.escape(r["provenance"]["started"]),
        ]
        for r in _all_runs()
    ]
    head = ["model", "seed", "selected epoch", "dev %", "test %", "seconds", "device", "commit", "started (UTC)"]
    return Shown("", "read from results/yelp/", html=plots.html_table(head, rows))


def _mean_by_epoch(model: str, key: str, scale: float = 1.0) -> list[tuple[int, float]]:
    found = _runs(model)
    return [
        (e + 1, statistics.fmean(scale * r["history"][e][key] for r in found))
        for e in range(min(len(r["history"]) for r in found))
    ]


@claim("hw2.q6.learning_curves", Generated(), "dev accuracy of every epoch, averaged over each model's recorded seeds")
def learning_curves() -> Shown:
    series = {TITLES[m]: _mean_by_epoch(m, "dev_accuracy", 100) for m in MODELS}
    chart = plots.line_chart(series, "Dev accuracy by epoch, mean over seeds", "epoch", "dev accuracy (%)")
    return Shown("", "drawn from results/yelp/", html=chart)


@claim("hw2.q6.train_curves", Generated(), "training loss of every epoch, averaged over each model's recorded seeds")
def train_curves() -> Shown:
    series = {TITLES[m]: _mean_by_epoch(m, "train_loss") for m in MODELS}
    chart = plots.line_chart(
        series, "Training loss by epoch, mean over seeds (log scale)", "epoch", "training loss", log_y=True
    )
    return Shown("", "drawn from results/yelp/", html=chart)


@claim("hw2.q6.predictions", Generated(), "the predictions stored in each model's dev-selected run")
def predictions() -> Shown:
    chosen = {m: chosen_run(m) for m in MODELS if runs.runs("yelp", m)}
    if len(chosen) < len(MODELS):
        raise Pending("not every model has a recorded run")
    reference = chosen["glove_lstm"]["unlabelled_predictions"]
    rows = []
    for model, run in chosen.items():
        pred = run["unlabelled_predictions"]
        if len(pred) != run["sizes"]["unlabelled"] or set(pred) - {"0", "1"}:
            raise runs.ResultsError(
                f"results/yelp/: the {model} run of seed {run['seed']} stores malformed predictions"
            )
        agree = sum(a == b for a, b in zip(pred, reference, strict=True)) / len(pred)
        rows.append(
            [
                f"<code>{file_name(model)}</code>",
                html.escape(TITLES[model]),
                run["seed"],
                f"{100 * pred.count('1') / len(pred):.1f}",
                f"{100 * agree:.1f}",
            ]
        )
    head = ["file", "model", "seed (best dev)", "predicted positive %", "agrees with the LSTM %"]
    return Shown("", "read from results/yelp/", html=plots.html_table(head, rows))


@claim(
    "hw2.q6.pad_feature", Integer(), "the bag of words' features of 200 random padded batches: the <pad> column's max"
)
def pad_feature() -> int:
    """The largest value the bag of words' feature for ``<pad>`` takes on random batches full of padding."""
    gen = torch.Generator().manual_seed(6)
    vocab, pad = 50, 1
    model = build("bow", vocab, pad)
    largest = 0.0
    for _ in range(200):
        tokens = torch.randint(0, vocab, (4, 9), generator=gen)
        tokens[:, 5:] = pad  # every sentence padded
        largest = max(largest, float(model.features(tokens)[:, pad].abs().max()))
    if largest != int(largest):
        raise AssertionError(f"the <pad> feature reached {largest}")
    return int(largest)


@claim(
    "hw2.q6.logit_threshold",
    Integer(),
    "sympy: the one real root of sigma(z) = 1/2, sigma increasing; torch.sigmoid(z) > 1/2 agrees on a grid",
)
def logit_threshold() -> int:
    """The logit above which a sentence is labelled positive (sigma(z) > 1/2), as train.py labels it."""
    z = sympy.Symbol("z", real=True)
    sigma = 1 / (1 + sympy.exp(-z))
    roots = sympy.solveset(sympy.Eq(sigma, sympy.Rational(1, 2)), z, domain=sympy.S.Reals)
    if not (isinstance(roots, sympy.FiniteSet) and len(roots) == 1):
        raise AssertionError(f"sigma(z) = 1/2 has the real roots {roots}")
    if not sympy.diff(sigma, z).is_positive:
        raise AssertionError("sigma is not increasing, so sigma(z) > 1/2 is not one side of a threshold")
    (root,) = roots
    grid = torch.linspace(-8, 8, 1601, dtype=torch.float64)
    if not torch.equal(torch.sigmoid(grid) > 0.5, grid > float(root)):
        raise AssertionError("torch.sigmoid(z) > 1/2 disagrees with z > root on the grid")
    return int(root)


@claim("hw2.q6.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(6)


@claim(
    "hw2.q6.spread_divisor",
    Formula(),
    "runs.spread (the site's standard deviation over seeds) on lists of 2 to 5 values: the divisor of the summed "
    "squared deviations that gives its square, matched to n or n - 1",
)
def spread_divisor() -> sympy.Expr:
    n = sympy.Symbol("n")
    per_size = []
    for size in range(2, 6):
        values = [float(v * v + 1) for v in range(size)]
        mean = sum(values) / size
        squares = sum((v - mean) ** 2 for v in values)
        per_size.append(
            {c for c in (n, n - 1) if abs(runs.spread(values) ** 2 * float(c.subs(n, size)) - squares) < 1e-9}
        )
    if any(len(found) != 1 for found in per_size) or len(set.union(*per_size)) != 1:
        raise AssertionError(f"runs.spread matches these divisors at n = 2 to 5: {per_size}")
    return per_size[0].pop()
