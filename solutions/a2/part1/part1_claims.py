"""The answers of Assignment II, Part I (``docs/a2/part1.md``), as claims: parameter counts and test accuracies.

Parameter counts come from the closed forms in :mod:`solutions.a2.part1.params`
and must agree with what PyTorch allocates.  Accuracies, timings and charts come
only from recorded runs (:mod:`solutions.common.runs`); until a run is recorded
they are pending.  Training itself is :mod:`solutions.a2.part1.train`'s business.
"""

from __future__ import annotations

import html
import inspect
import itertools
import re
import statistics

import sympy
import torch

from solutions.a2.part1 import data as imdb_data
from solutions.a2.part1 import params as rp
from solutions.a2.part1 import references
from solutions.a2.part1 import train as imdb_train
from solutions.a2.part1.model import MODELS, packed_difference
from solutions.a2.part1.train import Config
from solutions.common import paths, plots, runs
from solutions.engine import Decimal, Formula, Generated, Integer, Pending, Shown, claim, mistake


def _agreed(m: rp.Recurrent) -> int:
    ours, theirs = rp.recurrent_params(m), rp.torch_params(m)
    if ours != theirs:
        raise AssertionError(f"closed form gives {ours:,}, PyTorch allocates {theirs:,} for {m}")
    return ours


def _agreed_whole(m: rp.Recurrent) -> int:
    ours, theirs = rp.whole_model_params(m), rp.torch_whole_model_params(m)
    if ours != theirs:
        raise AssertionError(f"closed form gives {ours:,}, PyTorch allocates {theirs:,} for the whole model {m}")
    return ours


for _name, _m in rp.ARCHITECTURES.items():
    claim(f"a2.p1.params.{_name}", Integer(), "closed form from the weight shapes; equal to PyTorch's own count")(
        lambda m=_m: _agreed(m)
    )
    claim(
        f"a2.p1.total.{_name}",
        Integer(),
        "embedding + recurrent layers + head; equal to PyTorch's own count",
        wrong_answer_to=f"a2.p1.params.{_name}",
        why="That is the whole model's count: it adds the embedding table and the head to the recurrent layers, "
        "and the question asks for the recurrent layers only.",
    )(lambda m=_m: _agreed_whole(m))


@claim(
    "a2.p1.work_ratio.bilstm2",
    Decimal(tol=0.005),
    "recurrent weights of the 2-level bi-LSTM over the one-layer LSTM's (each weight is one multiply-add per token)",
)
def work_ratio_bilstm2() -> float:
    return _agreed(rp.ARCHITECTURES["bilstm2"]) / _agreed(rp.ARCHITECTURES["lstm"])


PACKED_TOLERANCE = 1e-6


@claim(
    "a2.p1.packed_equal",
    Integer(),
    f"SentimentRNN.forward against the same weights' nn module fed pack_padded_sequence: logits and every gradient "
    f"within {PACKED_TOLERANCE:g}, in training and evaluation mode, on 5 reviews of lengths 1 to 9, each "
    "architecture's cell, layers and directions at width 8 (the tests also compare them at full size); the count "
    "of architectures where both modes agree",
)
def packed_equal() -> int:
    agree = [
        name
        for name, arch in rp.ARCHITECTURES.items()
        if all(packed_difference(arch, mode, width=8) < PACKED_TOLERANCE for mode in (False, True))
    ]
    return len(agree)


TRAINED = MODELS  # the six trained models of the answer table, in its order
LABELS = {
    "bilstm2": "2-level bi-LSTM",
    "birnn2": "2-level bi-RNN",
    "birnn": "bi-RNN",
    "rnn": "RNN",
    "bilstm": "bi-LSTM",
    "lstm": "LSTM",
}
EPOCHS = 5
INIT = "random"  # the answer table's first runs: embeddings from random values
# The pretrained start the asked models are also recorded with: the better of the two compared on the
# one-layer LSTM by validation accuracy (pretrained_valid_gap fails if the measurement ever disagrees).
PRETRAINED = "glove50"
COMPARED = ("glove50", "word2vec")
START_LABELS = {"random": "random", "glove50": "GloVe 6B 50d", "word2vec": "word2vec", "glove": "GloVe file"}


def _mean(name: str, init: str = INIT) -> float:
    """Mean test accuracy (%) of a model's recorded 5-epoch runs from the ``init`` start."""
    return runs.mean_test_accuracy("imdb", name, epochs=EPOCHS, init=init)


for _name in TRAINED:
    claim(
        f"a2.p1.acc.{_name}",
        Decimal(tol=0.005),
        "mean test accuracy (%) of the best-validation epoch over the "
        "recorded 5-epoch runs (random embeddings) in results/imdb/",
    )(lambda name=_name: _mean(name))
    claim(
        f"a2.p1.acc_std.{_name}",
        Decimal(tol=0.005),
        "sample standard deviation (percent points) of the same runs' test accuracies",
    )(lambda name=_name: runs.std_test_accuracy("imdb", name, epochs=EPOCHS, init=INIT))
    claim(f"a2.p1.seeds.{_name}", Integer(), "the number of recorded 5-epoch runs (one per seed) in results/imdb/")(
        lambda name=_name: runs.seed_count("imdb", name, epochs=EPOCHS, init=INIT)
    )
    claim(
        f"a2.p1.epoch_seconds.{_name}",
        Decimal(tol=0.5),
        "mean training time of one epoch (s) over every epoch of the same runs, from their histories",
    )(lambda name=_name: _per_epoch(name, "train_seconds"))
    claim(
        f"a2.p1.reviews_per_second.{_name}",
        Decimal(tol=0.5),
        "mean training throughput (reviews/s) over every epoch of the same runs",
    )(lambda name=_name: _per_epoch(name, "reviews_per_second"))
    claim(f"a2.p1.epoch_range.{_name}", Generated(), "the shortest and longest training epoch (s) of the same runs")(
        lambda name=_name: _epoch_range(name)
    )


for _name in TRAINED:
    claim(
        f"a2.p1.glove50.acc.{_name}",
        Decimal(tol=0.005),
        "mean test accuracy (%) of the best-validation epoch over the recorded 5-epoch runs whose "
        "embeddings started from GloVe 6B 50d (results/imdb/)",
    )(lambda name=_name: _mean(name, PRETRAINED))
    claim(
        f"a2.p1.glove50.acc_std.{_name}",
        Decimal(tol=0.005),
        "sample standard deviation (percent points) of the same GloVe-started runs' test accuracies",
    )(lambda name=_name: runs.std_test_accuracy("imdb", name, epochs=EPOCHS, init=PRETRAINED))
    claim(
        f"a2.p1.glove50.seeds.{_name}",
        Integer(),
        "the number of recorded 5-epoch runs (one per seed) that started from GloVe 6B 50d",
    )(lambda name=_name: runs.seed_count("imdb", name, epochs=EPOCHS, init=PRETRAINED))


@claim(
    "a2.p1.glove50.lstm_gain",
    Decimal(tol=0.005),
    "the one-layer LSTM's mean test accuracy (%) from the GloVe 6B 50d start minus its mean from the random start",
)
def glove50_lstm_gain() -> float:
    return _mean("lstm", PRETRAINED) - _mean("lstm")


@claim(
    "a2.p1.glove50.birnn2_gain",
    Decimal(tol=0.005),
    "the 2-level bi-RNN's mean test accuracy (%) from the GloVe 6B 50d start minus its mean from the random start",
)
def glove50_birnn2_gain() -> float:
    return _mean("birnn2", PRETRAINED) - _mean("birnn2")


@claim(
    "a2.p1.lstm_over_rnn",
    Decimal(tol=0.005),
    "the lowest mean test accuracy (%) of the LSTMs minus the highest of the plain RNNs, random start, recorded runs",
)
def lstm_over_rnn() -> float:
    lstms = [n for n in rp.ARCHITECTURES if "lstm" in n]
    rnns = [n for n in rp.ARCHITECTURES if "rnn" in n and "lstm" not in n and "gru" not in n]
    if not lstms or not rnns:
        raise AssertionError(f"no LSTM or no plain RNN among {list(rp.ARCHITECTURES)}")
    return min(_mean(n) for n in lstms) - max(_mean(n) for n in rnns)


@claim(
    "a2.p1.birnn_minus_rnn", Decimal(tol=0.005), "mean test accuracy (%) of the bi-RNN minus the RNN's, random start"
)
def birnn_minus_rnn() -> float:
    return _mean("birnn") - _mean("rnn")


def _answer_runs(*names: str) -> list[dict]:
    """The answer table's runs of these models (5 epochs, random embeddings), or Pending."""
    return runs.recorded("imdb", *names, epochs=EPOCHS, init=INIT)


def _per_epoch(name: str, key: str) -> float:
    values = [e[key] for r in _answer_runs(name) for e in r["history"]]
    return statistics.fmean(values)


def _epoch_range(name: str) -> Shown:
    secs = [e["train_seconds"] for r in _answer_runs(name) for e in r["history"]]
    devices = sorted({r["provenance"]["device"] for r in _answer_runs(name)})
    return Shown(rf"{min(secs):,.0f}\text{{ to }}{max(secs):,.0f}", f"over {len(secs)} epochs; {'; '.join(devices)}")


def _common(read: str) -> int:
    """A figure every recorded run of the answer table shares (they must agree, or the check fails)."""
    section, key = read.split(".")
    values = {r[section][key] for r in _answer_runs(*TRAINED)}
    if len(values) != 1:
        raise AssertionError(f"the recorded runs disagree on {read}: {sorted(values)}")
    return values.pop()


@claim("a2.p1.train_size", Integer(), "the training split's size recorded in every results file (they agree)")
def train_size() -> int:
    return _common("sizes.train")


@claim("a2.p1.batch_size", Integer(), "the trainer's batch size, equal to the one recorded in every results file")
def batch_size() -> int:
    return _recipe("batch_size")


def _recipe(name: str) -> int | float:
    """A setting of the trainer's recipe (train.Config), as every recorded 5-epoch run (either start) used it."""
    return runs.setting(name, getattr(Config, name), runs.recorded("imdb", *TRAINED, epochs=EPOCHS))


for _name, _how in {
    "max_vocab": "the trainer's vocabulary size (most frequent training tokens), as every recorded run used it",
    "embedding_dim": "the trainer's embedding size, as every recorded run used it",
    "dropout": "the trainer's dropout, as every recorded run used it",
    "epochs": "the trainer's number of epochs, as every recorded run used it",
    "lr": "the trainer's Adam learning rate, as every recorded run used it",
}.items():
    claim(f"a2.p1.recipe.{_name}", Decimal(tol=0) if _name in ("dropout", "lr") else Integer(), _how)(
        lambda name=_name: _recipe(name)
    )


@claim("a2.p1.recipe.hidden_size", Integer(), "the hidden size of every architecture in params.ARCHITECTURES")
def hidden_size() -> int:
    (size,) = {m.hidden_size for m in rp.ARCHITECTURES.values()}
    return size


@claim(
    "a2.p1.recipe.input_size", Integer(), "the input size of every architecture, equal to the trainer's embedding size"
)
def input_size() -> int:
    (size,) = {m.input_size for m in rp.ARCHITECTURES.values()}
    if size != Config.embedding_dim:
        raise AssertionError(f"the modules read {size} features but the embeddings have {Config.embedding_dim}")
    return size


@claim("a2.p1.recipe.train_percent", Integer(), "data.split_train's training fraction, as the recorded sizes show")
def train_percent() -> int:
    fraction = inspect.signature(imdb_data.split_train).parameters["fraction"].default
    sizes = _common("sizes.train"), _common("sizes.valid")
    if round(sizes[0] / sum(sizes), 6) != fraction:
        raise AssertionError(f"recorded split {sizes} is not a {fraction} split")
    return round(100 * fraction)


@claim("a2.p1.recipe.valid_percent", Integer(), "100 minus the training percentage, as the recorded sizes show")
def valid_percent() -> int:
    return 100 - train_percent()


for _name, _how in {
    "n": "train.gradient_reach's number of validation reviews",
    "length": "train.gradient_reach's review length (tokens), as recorded with every measurement",
}.items():
    claim(f"a2.p1.reach.{_name}", Integer(), _how)(
        lambda name=_name: inspect.signature(imdb_train.gradient_reach).parameters[name].default
    )


@claim(
    "a2.p1.accuracy_chart",
    Generated(),
    "drawn from the test accuracies in results/imdb/ (5 epochs), one row per model and start",
)
def accuracy_chart() -> Shown:
    rows: dict[str, list[float]] = {}
    filled: set[str] = set()
    group: dict[str, int] = {}
    for i, n in enumerate(TRAINED):
        for init in (INIT, PRETRAINED):
            label = f"{LABELS[n]}, {START_LABELS[init]}"
            rows[label] = [100 * r["test_accuracy"] for r in runs.runs("imdb", n, EPOCHS, init=init)]
            group[label] = i
            if init != INIT:
                filled.add(label)
    untrained = [k for k, v in rows.items() if not v]
    svg = plots.interval_chart(
        rows,
        "Test accuracy of the best-validation epoch, per model and embedding start: each seed (a circle: "
        "hollow for the random start, filled for GloVe 6B 50d), the mean (bar) and mean ± sample std (line)",
        "test accuracy (%)",
        filled=filled,
        colour_of=group,
    )
    note = "no run recorded yet for " + "; ".join(untrained) if untrained else "every model has runs of both starts"
    return Shown("", f"drawn from results/imdb/; {note}", html=svg)


def _start_record(init: str) -> dict:
    """The embedding record every 5-epoch run with this start wrote (they must agree), or Pending."""
    found = runs.recorded("imdb", *TRAINED, epochs=EPOCHS, init=init, what=f" with the {init} start")
    records = {repr(sorted(r["embeddings"].items())): r["embeddings"] for r in found}
    if len(records) != 1:
        files = sorted(f"{r['model']} seed {r['seed']}" for r in found)
        raise AssertionError(f"the {len(found)} runs with the {init} start record different starts: {files}")
    return next(iter(records.values()))


@claim(
    "a2.p1.glove50.dim",
    Integer(),
    "the GloVe vectors' dimension recorded by every GloVe 6B 50d run (they agree), equal to the number of "
    "coordinates each run says it filled",
)
def glove50_dim() -> int:
    record = _start_record(PRETRAINED)
    filled = re.fullmatch(r"the first (\d+) of (\d+)", record["coordinates"])
    if not filled or int(filled[1]) != record["dim"]:
        raise AssertionError(f"the runs record {record['dim']}d vectors filling {record['coordinates']!r}")
    return record["dim"]


@claim(
    "a2.p1.glove50.words_found",
    Integer(),
    "vocabulary words with a GloVe 6B 50d vector, recorded by every run with that start (they agree)",
)
def glove50_words_found() -> int:
    return _start_record(PRETRAINED)["words_found"]


@claim(
    "a2.p1.glove50.file",
    Generated(),
    "the vectors' file, package and sha256 recorded by every GloVe 6B 50d run (they agree), equal to the "
    "digest the project pins for that file (solutions/common/glove.py)",
)
def glove50_file() -> Shown:
    from solutions.common.glove import PACKAGE_SHA256

    record = _start_record(PRETRAINED)
    if PACKAGE_SHA256.get(record["file"]) != record["sha256"]:
        raise AssertionError(f"the runs used {record['file']} with sha256 {record['sha256']}, not the pinned file")
    # The digest is checked here and named in the mark's note, not shown: a reader needs the file, not its hash.
    return Shown(
        _tex(f"{record['file']} ({record['source']})"),
        f"every GloVe-started run records this file and its sha256 ({record['sha256'][:16]}...), the digest the "
        "project pins",
        display=False,
        html=f"<code>{html.escape(record['file'])}</code> from <code>{html.escape(record['source'])}</code>",
    )


@claim(
    "a2.p1.reported",
    Generated(),
    "quoted from the sources named in solutions/a2/part1/references.py; tests/test_part1_references.py "
    "finds every figure in its source",
)
def reported() -> Shown:
    sources = list(dict.fromkeys(r.source for r in references.REPORTED))
    rows = []
    for n in TRAINED:
        figures = {r.source: r.percent for r in references.of(n)}
        if figures:
            rows.append([html.escape(LABELS[n]), *(html.escape(figures.get(src, "")) for src in sources)])
    notes = dict.fromkeys(f"{r.source.split(',')[0]}: {r.note}" for r in references.REPORTED if r.note)
    table = plots.html_table(["model", *(html.escape(f"{src} (%)") for src in sources)], rows)
    sheets = "Test accuracies as written. Sheets: presumably the provided notebook, GloVe 6B 100d start"
    caption = "; ".join([sheets, *notes])
    return Shown(
        "",
        "figures as their sources wrote them: references, never averaged with our runs",
        html=f"{table}<p>{html.escape(caption)}.</p>",
    )


@claim("a2.p1.bilstm2_expanded", Formula(), "the closed form's count for the 2-level bi-LSTM, equal to PyTorch's")
def bilstm2_expanded() -> sympy.Expr:
    return sympy.Integer(_agreed(rp.ARCHITECTURES["bilstm2"]))


def _tex(text: str) -> str:
    return r"\text{" + "".join("\\" + c if c in "#$%&_{}" else c for c in text) + "}"


@claim("a2.p1.recorded_runs", Generated(), "read from the results files under results/imdb/")
def recorded_runs() -> Shown:
    """One row per results file, as an HTML table (a phone reads it row by row; a screen reader as a table)."""
    head = ["model", "seed", "epochs", "embeddings", "test %", "best epoch", "device", "commit", "valid % by epoch"]
    rows = [
        [
            html.escape(LABELS.get(r["model"], r["model"])),
            r["seed"],
            r["epochs"],
            html.escape(_start_name(r)),
            f"{100 * r['test_accuracy']:.2f}",
            r["best_epoch"],
            html.escape(_device(r)),
            f"<code>{html.escape(r['provenance']['commit'][:7])}</code>",
            ", ".join(f"{100 * e['valid_accuracy']:.1f}" for e in r["history"]),
        ]
        for r in _all_runs()
    ]
    return Shown("", "every row is one results file", html=plots.html_table(head, rows))


def _start_label(run: dict) -> str:
    """How a run's embedding table started, in a reader's words (solutions/a2/part1/embeddings.py)."""
    init, emb = runs.embedding_init(run), run.get("embeddings") or {}
    if init == "glove50":
        return f"GloVe 6B 50d in the first {emb['dim']} coordinates ({emb['words_found']:,} words found)"
    if init == "word2vec":
        return f"word2vec learnt from the training reviews ({emb['words_found']:,} words found)"
    if init == "glove":
        return f"GloVe file {emb['file']} (sha256 {emb['sha256'][:12]})"
    return "random"


@claim(
    "a2.p1.pretrained_runs",
    Generated(),
    "read from the results files under results/imdb/ whose embeddings started from pretrained vectors",
)
def pretrained_runs() -> Shown:
    found = [r for r in runs.recorded("imdb", *TRAINED, epochs=EPOCHS) if runs.embedding_init(r) != "random"]
    if not found:
        raise Pending("not measured yet: no 5-epoch run from pretrained embeddings is recorded (results/imdb/)")
    rows = []
    for n in TRAINED:
        by_start: dict[str, list[dict]] = {}
        for r in (r for r in found if r["model"] == n):
            by_start.setdefault(runs.embedding_key(r), []).append(r)
        for group in by_start.values():  # one row per start: different vectors are different experiments
            accs = [100 * r["test_accuracy"] for r in group]
            valid = [_chosen_validation(r) for r in group]
            rows.append(
                [
                    html.escape(LABELS[n]),
                    html.escape(_start_label(group[0])),
                    f"{statistics.fmean(valid):.2f}",
                    f"{statistics.fmean(accs):.2f}",
                    f"{statistics.stdev(accs):.2f}" if len(accs) > 1 else "one seed",
                    str(len(accs)),
                ]
            )
    table = plots.html_table(
        [
            "model",
            "embeddings started from",
            "validation accuracy (%) of the chosen epoch, mean",
            "test accuracy (%), mean",
            "std",
            "seeds",
        ],
        rows,
    )
    return Shown("", "runs with --embeddings, kept apart from the answer table", html=table)


def _chosen_validation(run: dict) -> float:
    """The validation accuracy (%) of the epoch whose test accuracy a run reports (its best validation loss)."""
    return 100 * run["history"][run["best_epoch"] - 1]["valid_accuracy"]


def _compared() -> dict[str, dict[int, float]]:
    """The one-layer LSTM's chosen-epoch validation accuracy by seed, for each compared start, on the seeds both
    starts have (a paired comparison: one start's extra seeds are not compared)."""
    found = runs.recorded("imdb", "lstm", epochs=EPOCHS)
    by_start = {s: {r["seed"]: _chosen_validation(r) for r in found if runs.embedding_init(r) == s} for s in COMPARED}
    missing = [s for s, v in by_start.items() if not v]
    if missing:
        raise Pending(f"not measured yet: no 5-epoch LSTM run with {missing[0]} embeddings is recorded (results/imdb/)")
    common = set.intersection(*(set(v) for v in by_start.values()))
    if not common:
        raise Pending("not measured yet: the two starts have no seed in common (results/imdb/)")
    return {s: {k: v[k] for k in sorted(common)} for s, v in by_start.items()}


@claim(
    "a2.p1.pretrained.valid_gap",
    Decimal(tol=0.005),
    "the one-layer LSTM's validation accuracy at its chosen epoch, GloVe 6B 50d start minus word2vec start "
    "(percentage points; the mean over the seeds both starts have recorded)",
)
def pretrained_valid_gap() -> float:
    by_start = _compared()
    gap = statistics.fmean(by_start["glove50"].values()) - statistics.fmean(by_start["word2vec"].values())
    if (gap > 0) != (PRETRAINED == "glove50"):
        raise AssertionError(f"the answer table uses the {PRETRAINED} start, but the comparison favours the other")
    return gap


@claim("a2.p1.pretrained.compared_seeds", Integer(), "the seeds both compared starts have recorded for the LSTM")
def pretrained_compared_seeds() -> int:
    return len(_compared()["glove50"])


def _device(run: dict) -> str:
    """The device, with the thread count of each stretch of a resumed run (``cpu, 1 then 2 threads``)."""
    prov = run["provenance"]
    threads = [s["threads"] for s in prov.get("segments", []) if "threads" in s]
    if prov["device"].startswith("cpu") and len(set(threads)) > 1:
        return f"cpu, {' then '.join(map(str, threads))} threads"
    return re.sub(
        r"^cpu \([^,]*, (\d+) threads?\)$", lambda m: f"cpu, {m[1]} thread{'s' if m[1] != '1' else ''}", prov["device"]
    )


def _start_name(run: dict) -> str:
    """How a run's embedding table started, in a word or two (``random``, ``GloVe 6B 50d``)."""
    init = runs.embedding_init(run)
    return START_LABELS.get(init, init)


def _epochs_note(run: dict) -> str:
    """``, 3 epochs`` for a run of another length than the recipe's, else nothing."""
    return "" if run["epochs"] == EPOCHS else f", {run['epochs']} epochs"


def _label(run: dict) -> str:
    """One chart label per results file: a GloVe start or another epoch count is said, never merged."""
    start = "" if runs.embedding_init(run) == "random" else f", {_start_name(run)}"
    return f"{LABELS.get(run['model'], run['model'])}, seed {run['seed']}{start}{_epochs_note(run)}"


def _all_runs() -> list[dict]:
    """Every recorded run of the trained models, whatever its epochs and embeddings, or Pending."""
    return runs.recorded("imdb", *TRAINED)


# How a start looks in every small chart of a figure: its colour and marker (a seed is a dash pattern).
_START_STYLES = {"random": (plots.COLOURS[0], "circle"), "glove50": (plots.COLOURS[1], "square")}
_OTHER_START = (plots.COLOURS[2], "diamond")


def _curve_label(run: dict) -> str:
    """A run's label inside its model's own chart: its seed and start (and its epochs, if not the recipe's)."""
    return f"seed {run['seed']}, {_start_name(run)} start{_epochs_note(run)}"


@claim(
    "a2.p1.learning_curves",
    Generated(),
    "plotted from the per-epoch history in each results file, one chart per model on one y axis",
)
def learning_curves() -> Shown:
    every = _all_runs()
    accuracy = [100 * e["valid_accuracy"] for r in every for e in r["history"]]
    charts = []
    for model in TRAINED:
        mine = [r for r in every if r["model"] == model]
        if not mine:
            continue
        series, styles = {}, {}
        for r in mine:
            name = _curve_label(r)
            colour, marker = _START_STYLES.get(runs.embedding_init(r), _OTHER_START)
            series[name] = [(e["epoch"], 100 * e["valid_accuracy"]) for e in r["history"]]
            styles[name] = (colour, plots.DASHES[r["seed"] % len(plots.DASHES)], marker)
        charts.append(
            plots.line_chart(
                series,
                f"{LABELS.get(model, model)}: validation accuracy by epoch, one line per recorded run",
                "epoch",
                "validation accuracy (%)",
                width=400,  # drawn about 330 px wide, two to a row on a desktop, one on a phone: 12-unit text ~10 px
                height=210,
                caption=LABELS.get(model, model),
                y_range=(min(accuracy), max(accuracy)),
                styles=styles,
            )
        )
    return Shown(
        "", "drawn from results/imdb/, one chart per model, every chart on the same y axis", html="\n".join(charts)
    )


@claim(
    "a2.p1.gradient_reach",
    Generated(),
    "measured at the end of each run that stored it: mean norm of dL/dx_t over validation reviews",
)
def gradient_reach() -> Shown:
    measured = runs.recorded(
        "imdb", *TRAINED, keep=lambda r: r.get("gradient_reach"), what=" with the gradient measurement"
    )
    series, notes = {}, []
    unmeasured = [_label(r) for r in runs.recorded("imdb", *TRAINED) if not r.get("gradient_reach")]
    if unmeasured:
        notes.append(f"no measurement stored (recorded before the measurement was added): {', '.join(unmeasured)}")
    for r in measured:
        reach = r["gradient_reach"]
        points = [(t + 1, v) for t, v in enumerate(reach["norm_by_position"]) if v > 0]
        label = _label(r)
        series[label] = points
        zeros = len(reach["norm_by_position"]) - len(points)
        if zeros and points and min(v for _, v in points) < 5e-10:  # 4 significant figures kept: a true float32 zero
            notes.append(
                f"{label}: exactly 0 (below the smallest float32) at {zeros} positions, so no point is drawn there"
            )
        elif zeros:  # the first runs rounded to 9 decimals
            notes.append(
                f"{label}: 0 to 9 decimals (the precision of that run's file) at {zeros} positions, "
                "so no point is drawn there"
            )
    svg = plots.line_chart(
        series,
        "Norm of the loss gradient reaching each token of a 400-token review (log scale)",
        "token position",
        "mean |dL/dx_t|",
        log_y=True,
        x_range=(1, max(r["gradient_reach"]["length"] for r in measured)),
        notes=tuple(notes),
    )
    return Shown("", "drawn from results/imdb/", html=svg)


d, h, p = sympy.symbols("d h p")


def _formula(cell: str, proj: bool = False) -> sympy.Expr:
    """The per-direction, per-layer count as a polynomial, checked against PyTorch on a grid."""
    expr = sympy.expand(rp.layer_params(rp.GATES[cell], d, h, proj=p if proj else 0))
    for dv, hv in itertools.product((1, 3, 7), (1, 2, 5)):
        for pv in (1, hv - 1) if proj else (0,):
            if proj and not 0 < pv < hv:
                continue
            m = rp.Recurrent(cell, dv, hv, proj_size=pv)
            if expr.subs({d: dv, h: hv, p: pv}) != rp.torch_params(m):
                raise AssertionError(f"{cell} formula disagrees with PyTorch at d={dv}, h={hv}, p={pv}")
    return expr


for _cell in ("LSTM", "GRU", "RNN"):
    claim(
        f"a2.p1.formula.{_cell.lower()}_layer",
        Formula(),
        "sympy from the weight shapes; equal to PyTorch on a grid of d, h",
    )(lambda cell=_cell: _formula(cell))


@claim("a2.p1.formula.layer", Formula(), "sympy from the weight shapes with g blocks; equal to each cell's formula")
def general_layer() -> sympy.Expr:
    g = sympy.Symbol("g")
    expr = rp.layer_params(g, d, h)
    for cell, gates in rp.GATES.items():
        if sympy.expand(expr.subs(g, gates) - _formula(cell)) != 0:
            raise AssertionError(f"the general formula disagrees with the {cell} formula")
    return expr


# The weight shapes the parameter formulas start from, as symbols, checked against PyTorch's own modules:
# every cell (g blocks: RNN 1, GRU 3, LSTM 4), several input and hidden sizes, and an LSTM with a projection.
_g = sympy.Symbol("g")
SHAPES = {  # weight -> (rows, columns)
    "ih": (_g * h, d),
    "hh": (_g * h, h),
    "proj_hh": (4 * h, p),
    "hr": (p, h),
}
_SHAPE_GRID = ((3, 2), (5, 7), (1, 4))  # (input size, hidden size)


def _shape(weight: str, axis: int) -> sympy.Expr:
    expr = SHAPES[weight][axis]
    for (din, hid), (cell, gates) in itertools.product(_SHAPE_GRID, rp.GATES.items()):
        if weight in ("proj_hh", "hr"):
            if cell != "LSTM":
                continue
            proj = hid - 1  # PyTorch needs 0 < proj_size < hidden_size (every hidden size of the grid is > 1)
            module = torch.nn.LSTM(din, hid, proj_size=proj)
            tensor = module.weight_hh_l0 if weight == "proj_hh" else module.weight_hr_l0
            values = {d: din, h: hid, p: proj}
        else:
            module = getattr(torch.nn, cell)(din, hid)
            tensor = module.weight_ih_l0 if weight == "ih" else module.weight_hh_l0
            values = {d: din, h: hid, _g: gates}
        if int(expr.subs(values)) != tensor.shape[axis]:
            raise AssertionError(
                f"{cell} {weight}: axis {axis} is {tensor.shape[axis]}, not {expr} = {expr.subs(values)}"
            )
    return expr


for _weight in SHAPES:
    for _axis, _name in enumerate(("rows", "cols")):
        claim(
            f"a2.p1.shape.{_weight}.{_name}",
            Formula(),
            "the weight's shape in PyTorch's nn.RNN, nn.GRU and nn.LSTM (proj_size for the projection) at 3 sizes",
        )(lambda weight=_weight, axis=_axis: _shape(weight, axis))


@claim(
    "a2.p1.formula.lstm_proj_layer",
    Formula(),
    "sympy from the weight shapes; equal to PyTorch's LSTM(proj_size=p) on a grid",
)
def lstm_proj_layer() -> sympy.Expr:
    return _formula("LSTM", proj=True)


@claim(
    "a2.p1.formula.second_layer_input",
    Formula(),
    "the column count of PyTorch's weight_ih_l1 in a 2-layer bidirectional LSTM",
)
def second_layer_input() -> sympy.Expr:
    for hv in (1, 4, 9):
        lstm = torch.nn.LSTM(3, hv, num_layers=2, bidirectional=True)
        if lstm.weight_ih_l1.shape[1] != 2 * hv:
            raise AssertionError(f"weight_ih_l1 has {lstm.weight_ih_l1.shape[1]} columns for h={hv}")
    return 2 * h


def _sheet_birnn2() -> int:
    """The parameter count sheet A gives for the 2-level bi-RNN (refuted below), read from its kept copy: the
    first figure on its table's line for that model (``2-level bi-RNN<tab>362,400<tab>70.68``)."""
    path = paths.REPO_ROOT / "sources" / references.SHEETS["A"]
    found = re.search(r"^2-level bi-RNN\s+([\d,]+)\s", path.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise AssertionError(f"{path.name} has no table line for the 2-level bi-RNN")
    return int(found[1].replace(",", ""))


@mistake(
    "a2.mistake.p1_birnn2_params",
    refutes="a2.p1.params.birnn2",
    why="The sheet counted the second layer as twice the first. Reading both directions of the first layer "
    "changes only W_ih (200 x 400 instead of 200 x 100); W_hh and the biases keep their size, so the second "
    "layer has 200(400 + 200 + 2) = 120,400 parameters per direction, and the total is 361,600.",
)
def _m_birnn2() -> None: ...


def _birnn_layer(layer: int) -> int:
    """Parameters of one direction of one layer of the 2-level bi-RNN, from the built module's tensors."""
    module = torch.nn.RNN(100, 200, num_layers=2, bidirectional=True)
    return sum(t.numel() for n, t in module.named_parameters() if n.endswith(f"_l{layer}"))


@claim("a2.p1.birnn2.first_layer", Integer(), "both directions of layer 0 of PyTorch's RNN(100, 200, 2 layers, bi)")
def birnn2_first_layer() -> int:
    return 2 * _birnn_layer(0)


@claim("a2.p1.birnn2.second_layer_direction", Integer(), "one direction of layer 1 of the same module")
def birnn2_second_layer_direction() -> int:
    return _birnn_layer(1)


@claim(
    "a2.p1.birnn2.sheet_excess",
    Integer(),
    "the figure sheet A gives (read from its kept copy) minus the checked count of the 2-level bi-RNN",
)
def birnn2_sheet_excess() -> int:
    return _sheet_birnn2() - _agreed(rp.ARCHITECTURES["birnn2"])


@claim("a2.p1.birnn2.sheet_product", Formula(), "three times the first layer, which must equal the sheet's figure")
def birnn2_sheet_product() -> sympy.Expr:
    if 3 * birnn2_first_layer() != _sheet_birnn2():
        raise AssertionError("the sheet's figure is not three times the first layer")
    return sympy.Integer(3) * birnn2_first_layer()


def _reach(model: str) -> list[dict]:
    """The gradient measurements of one model's answer-table runs (Pending until one is recorded)."""
    return [r["gradient_reach"] for r in _answer_runs(model) if r.get("gradient_reach")]


def _window_ratio(reach: dict) -> float:
    """Mean gradient norm over the first ``window`` tokens divided by that over the last ``window``."""
    norms, w = reach["norm_by_position"], reach["window"]
    return statistics.fmean(norms[:w]) / statistics.fmean(norms[-w:])


@claim("a2.p1.reach.runs", Integer(), "the recorded random-start runs of the trained models")
def reach_runs() -> int:
    return len(_answer_runs(*TRAINED))


@claim("a2.p1.reach.measured", Integer(), "the same runs that stored the gradient measurement")
def reach_measured() -> int:
    return sum(len(_reach(m)) for m in TRAINED if runs.runs("imdb", m, EPOCHS, None, INIT))


@claim("a2.p1.reach.window", Integer(), "the window (tokens) of every stored measurement")
def reach_window() -> int:
    (w,) = {r["window"] for m in TRAINED if runs.runs("imdb", m, EPOCHS, None, INIT) for r in _reach(m)}
    return w


@claim("a2.p1.reach.rnn_vanished", Integer(), "RNN runs whose stored gradient is 0 at every one of the first tokens")
def rnn_vanished() -> int:
    return sum(1 for r in _reach("rnn") if not any(r["norm_by_position"][: r["window"]]))


@claim("a2.p1.reach.rnn_measured", Integer(), "RNN runs with a stored gradient measurement")
def rnn_measured() -> int:
    return len(_reach("rnn"))


@claim(
    "a2.p1.reach.lstm_min_percent",
    Decimal(tol=0.005),
    "smallest first-window / last-window ratio (%) over the one-layer LSTM's random-start runs",
)
def lstm_min_percent() -> float:
    return 100 * min(_window_ratio(r) for r in _reach("lstm"))


@claim(
    "a2.p1.reach.lstm_max_percent",
    Decimal(tol=0.05),
    "largest first-window / last-window ratio (%) over the one-layer LSTM's random-start runs",
)
def lstm_max_percent() -> float:
    return 100 * max(_window_ratio(r) for r in _reach("lstm"))
