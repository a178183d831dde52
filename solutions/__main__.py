"""Command line: ``python -m solutions check|verify|train|reproduce|fingerprint|bench|stylize|predict|...``.

``check`` answers one student's question ("is my answer right?") with the same
engine that checks the site, and ``verify`` checks every claim the site makes: both
are the engine's own commands (:mod:`solutions.engine.cli`), reading its settings from
mkdocs.yml.  The rest run the course's training and prediction code and record runs
under results/.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from solutions.common.paths import REPO_ROOT, RESULTS_DIR
from solutions.engine import add_commands as add_engine_commands


def _at_least_one(*options: tuple[str, int | None]) -> bool:
    """Whether every given count option is unset or at least 1; prints the first that is not."""
    for flag, value in options:
        if value is not None and value < 1:
            print(f"error: {flag} must be at least 1, not {value}", file=sys.stderr)
            return False
    return True


def cmd_train(args: argparse.Namespace) -> int:
    if args.task == "captions":
        return train_captions(args)
    if args.task == "yelp":
        return train_yelp(args)
    if args.task == "transfer":
        return train_transfer(args)
    from solutions.a2.part1 import data as imdb_data
    from solutions.a2.part1 import embeddings
    from solutions.a2.part1 import train as imdb_train
    from solutions.a2.part1.model import MODELS as IMDB_MODELS

    models = _chosen(args.model, IMDB_MODELS, "imdb has no model")
    if models is None:
        return 2

    import torch

    from solutions.common.files import DataError
    from solutions.common.glove import GloveError

    if not _at_least_one(("--threads", args.threads), ("--epochs", args.epochs), ("--stop-after", args.stop_after)):
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    start = args.embeddings
    options = {
        "embeddings": start if start in embeddings.NAMED else (Path(start) if start else None),
        "resume": args.resume,
        "stop_after": args.stop_after,
    }
    for seed in args.seed:
        for model in models:
            try:
                if args.dry_run:
                    imdb_train.dry_run(model, seed, **options)
                    continue
                source = imdb_data.find_source(args.data)
                cfg = imdb_train.Config(model, seed=seed, epochs=args.epochs if args.epochs is not None else 5)
                imdb_train.train(cfg, source, Path(args.results), args.device, **options)
            except (DataError, GloveError, imdb_train.CheckpointError, imdb_train.TrainingError) as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            except KeyboardInterrupt:
                print(
                    f"\ninterrupted: {model} seed {seed} keeps its last finished epoch in "
                    f"{imdb_train.CHECKPOINT_DIR}; the same command with --resume continues it",
                    file=sys.stderr,
                )
                return 130
    return 0


def _chosen(choice: str, known: Sequence[str], unknown: str) -> list[str] | None:
    """What ``--model`` (or ``--style``) names: one of ``known``, or all of them; None, said on stderr, otherwise."""
    if choice == "all":
        return list(known)
    if choice in known:
        return [choice]
    print(f"error: {unknown} {choice!r}; choose from all, {', '.join(known)}", file=sys.stderr)
    return None


def _each_run(
    args: argparse.Namespace,
    names: list[str],
    seeds: list[int],
    find: Callable[[], Path],
    dry: Callable[[str, int], Path],
    real: Callable[[str, int, Path], object],
    errors: tuple[type[Exception], ...],
) -> int:
    """Every name for every seed: a dry run, or a real run on the data ``find`` locates (once).  An error of
    ``errors`` (data not found, weights missing, ...) is printed without a traceback, and the exit status is 2."""
    try:
        source = None if args.dry_run else find()
        for seed in seeds:
            for name in names:
                if args.dry_run:
                    print(f"dry run: {dry(name, seed)}")
                else:
                    real(name, seed, source)
    except errors as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def train_yelp(args: argparse.Namespace) -> int:
    import time

    from solutions.common.files import DataError
    from solutions.common.glove import GloveError
    from solutions.hw2.q6 import data, train
    from solutions.hw2.q6.model import MODELS

    models = _chosen(args.model, MODELS, "yelp has no model")
    if models is None:
        return 2
    overrides = {"epochs": args.epochs} if args.epochs is not None else {}
    t0 = time.perf_counter()
    status = _each_run(
        args,
        models,
        args.seed,
        lambda: data.find_source(args.data),
        lambda model, seed: train.dry_run(model, seed, args.glove),
        lambda model, seed, folder: train.train(
            train.Config.for_model(model, seed, **overrides), folder, Path(args.results), args.glove
        ),
        (DataError, GloveError),
    )
    if status == 0:
        print(f"{len(models) * len(args.seed)} run(s) in {time.perf_counter() - t0:.1f} s")
    return status


def train_transfer(args: argparse.Namespace) -> int:
    from solutions.common.files import DataError
    from solutions.hw2.common.vision import WeightsError
    from solutions.hw2.q1 import data, train

    scenarios = _chosen(args.model, train.SCENARIOS, "transfer has no model")
    if scenarios is None:
        return 2
    epochs = {"epochs": args.epochs} if args.epochs is not None else {}
    return _each_run(
        args,
        scenarios,
        args.seed,
        lambda: data.find_source(args.data),
        train.dry_run,
        lambda scenario, seed, source: train.train(
            train.Config(scenario, seed, **epochs), source, Path(args.results), args.weights, args.device
        ),
        (DataError, WeightsError),
    )


def cmd_stylize(args: argparse.Namespace) -> int:
    from solutions.common.files import DataError
    from solutions.hw2.common.vision import WeightsError
    from solutions.hw2.q2 import data, style, train

    names = _chosen(args.style, list(style.SETTINGS), "no style")
    if names is None:
        return 2
    return _each_run(
        args,
        names,
        [0],
        lambda: data.find_images(args.images),
        lambda name, _: train.dry_run(name),
        lambda name, _, folder: train.run(name, folder, Path(args.results), args.weights, args.device),
        (DataError, WeightsError),
    )


def train_captions(args: argparse.Namespace) -> int:
    from solutions.hw2.q5 import train as caption_train
    from solutions.hw2.q5.model import CELLS

    cells = _chosen(args.model, CELLS, "captions has no model")
    if cells is None:
        return 2
    for seed, cell in ((s, c) for s in args.seed for c in cells):
        path = caption_train.run(
            cell, seed, args.epochs if args.epochs is not None else 50, Path(args.results), dry_run=args.dry_run
        )
        print(f"wrote {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import torch

    from solutions.a2.part1 import bench as imdb_bench
    from solutions.a2.part1.model import MODELS as IMDB_MODELS
    from solutions.common.files import DataError

    if not _at_least_one(("--threads", args.threads), ("--batches", args.batches)):
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    models = list(IMDB_MODELS) if args.model == "all" else [args.model]
    try:
        imdb_bench.bench_all(models, args.batches, args.data, args.device, packed=args.packed)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from solutions.common.runs import ResultsError
    from solutions.hw2.q6 import predictions as yelp_predictions

    try:
        yelp_predictions.write_all(Path(args.out))
    except (ResultsError, yelp_predictions.PredictionsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from solutions.common.files import DataError
    from solutions.hw2.q6 import data as yelp_data
    from solutions.hw2.q6 import predictions as yelp_predictions

    expected = args.lines
    if expected is None:
        try:
            expected = len(yelp_data.read_split(yelp_data.find_source(args.data) / "unlabelled.txt", labelled=False))
        except DataError as err:
            print(f"error: {err} (or give --lines N)", file=sys.stderr)
            return 2
    status = 0
    for name in args.files:
        try:
            labels = yelp_predictions.validate(Path(name), expected)
        except yelp_predictions.PredictionsError as err:
            print(f"error: {err}", file=sys.stderr)
            status = 1
        else:
            print(f"{name}: valid, {len(labels):,} lines, {sum(labels):,} positive")
    return status


def _budget(text: str) -> float | None:
    """``--budget``: a number of seconds, finite and positive; None (said on stderr) otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value < float("inf")):
        print(f"error: --budget is a number of seconds above 0, not {text[:40]!r}", file=sys.stderr)
        return None
    return value


def cmd_reproduce(args: argparse.Namespace) -> int:
    """0: every figure reproduced exactly; 1: some differ (each printed); 2: the run cannot be re-run here
    (a bad results file, missing data, or a run over the budget)."""
    from solutions.common.files import DataError
    from solutions.common.reproduce import ReproduceError, reproduce
    from solutions.common.runs import ResultsError

    budget = _budget(args.budget)
    if budget is None:
        return 2
    try:
        found = reproduce(Path(args.file), args.data, budget=budget, go_on=args.yes)
    except (ReproduceError, ResultsError, DataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not found:
        print(f"{args.file}: every figure reproduced exactly")
        return 0
    print(f"{args.file}: {len(found)} figure(s) differ:")
    for difference in found:
        print(f"  {difference}")
    return 1


def cmd_fingerprint(args: argparse.Namespace) -> int:
    """0: every fingerprint recomputed exactly (or written, with --write); 1: some differ (each printed);
    2: a file cannot be checked (a bad results file, missing data, no fingerprint)."""
    from solutions.common import reproduce as rp
    from solutions.common.files import DataError
    from solutions.common.runs import ResultsError

    stamp = rp.added_after_run() if args.write else None  # before any file is written: the tree is clean now
    status = 0
    for name in args.files:
        try:
            if args.write:
                losses = rp.add_fingerprint(Path(name), args.data, stamp)
                print(f"{name}: fingerprint added ({len(losses)} batches)")
                continue
            found = rp.check_fingerprint(Path(name), args.data)
        except (rp.ReproduceError, ResultsError, DataError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if found:
            status = 1
            print(f"{name}: the fingerprint differs:")
            for difference in found:
                print(f"  {difference}")
        else:
            print(f"{name}: fingerprint reproduced exactly")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solutions", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_engine_commands(sub, REPO_ROOT / "mkdocs.yml")
    p = sub.add_parser("train", help="train a model and record the run under results/")
    p.add_argument(
        "task",
        choices=["imdb", "captions", "yelp", "transfer"],
        help="imdb: Assignment II, Part I; captions: HW2 Q5 (synthetic set); yelp: HW2 Q6; transfer: HW2 Q1",
    )
    p.add_argument(
        "--model",
        required=True,
        help="imdb: all, bilstm2, birnn2, birnn, rnn, bilstm, lstm; captions: rnn, lstm, all; "
        "yelp: all, bow, avg, glove_avg, glove_rnn, glove_lstm; transfer: finetune, freeze, all",
    )
    p.add_argument("--epochs", type=int, help="default: 5 for imdb, 50 for captions, each model's own for yelp")
    p.add_argument("--seed", type=int, nargs="+", default=[0], help="one run per seed (e.g. --seed 0 1 2)")
    p.add_argument(
        "--data",
        help="imdb: aclImdb tarball or folder (default: $IMDB_DATA, the local copy, or a download); "
        "yelp: the folder of the four .txt files (default: $YELP_DATA or the local copy); "
        "transfer: hymenoptera_data.zip or its folder (default: $HYMENOPTERA_DATA, the local copy, or a download)",
    )
    p.add_argument("--glove", help="yelp: a glove.6B.<d>d.txt file instead of the installed 50d package")
    p.add_argument(
        "--weights", help="transfer: a resnet18-f37072fd.pth file (default: the torch hub cache, or a download)"
    )
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    p.add_argument("--results", default=str(RESULTS_DIR), help="where the results file goes")
    p.add_argument("--dry-run", action="store_true", help="the whole pipeline on a tiny generated corpus, in seconds")
    p.add_argument(
        "--resume",
        action="store_true",
        help="imdb: continue an interrupted run from its last finished epoch "
        "(checkpoints/imdb/); starts afresh where there is none",
    )
    p.add_argument(
        "--stop-after", type=int, metavar="N", help="imdb: stop after epoch N, checkpointed (continue with --resume)"
    )
    p.add_argument(
        "--embeddings",
        help="imdb: start the embedding table from pretrained vectors: glove-6b-50d (the installed GloVe 6B 50d "
        "in the first 50 coordinates), word2vec-train (learnt from the training reviews), or a GloVe text file of "
        "dimension 100 (e.g. glove.6B.100d.txt) as the notebook did (default: random)",
    )
    p.add_argument("--threads", type=int, help="imdb: torch's CPU threads for this run (default: torch's own choice)")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("bench", help="time our batching against a padded, unbucketed baseline")
    p.add_argument("task", choices=["imdb"])
    p.add_argument(
        "--model",
        default="all",
        choices=["all", "bilstm2", "birnn2", "birnn", "rnn", "bilstm", "lstm"],
        help="one architecture, or all of them in turn (default)",
    )
    p.add_argument("--batches", type=int, default=10, help="batches of 64 timed for each side (default 10)")
    p.add_argument("--packed", action="store_true", help="also time the notebook's packed sequences (slow on the CPU)")
    p.add_argument("--threads", type=int, help="torch's CPU threads (default: torch's own choice)")
    p.add_argument("--data", help="aclImdb tarball or folder")
    p.add_argument("--device", help="cpu or cuda")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser(
        "stylize", help="HW2 Q2: style transfer with the question's settings, recorded under results/style/"
    )
    p.add_argument("--style", default="all", help="composition_vii, the_scream, starry_night or all")
    p.add_argument(
        "--images", help="the folder with tubingen.jpg and the style images (default: $STYLE_IMAGES or the local copy)"
    )
    p.add_argument("--weights", help="a squeezenet1_1-b8a52dc0.pth file (default: the torch hub cache, or a download)")
    p.add_argument("--device", help="cpu or cuda")
    p.add_argument("--results", default=str(RESULTS_DIR))
    p.add_argument("--dry-run", action="store_true", help="a small random network, small images, ten iterations")
    p.set_defaults(func=cmd_stylize)
    p = sub.add_parser("predict", help="write predictions_q1.txt ... predictions_q5.txt from the recorded Yelp runs")
    p.add_argument("task", choices=["yelp"])
    p.add_argument("--out", default="predictions", help="folder for the five files (default: ./predictions)")
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("validate-predictions", help="check prediction files: one 0 or 1 per unlabelled sentence")
    p.add_argument("files", nargs="+")
    p.add_argument("--lines", type=int, help="expected line count (default: the unlabelled split's)")
    p.add_argument("--data", help="the Yelp sentences folder (default: $YELP_DATA or the local copy)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser(
        "reproduce", help="train a recorded run again with its file's settings; report every figure that differs"
    )
    p.add_argument("file", help="a results file, e.g. results/yelp/bow-seed0-....json")
    p.add_argument("--data", help="the data set's folder or archive (default: as the training command finds it)")
    p.add_argument(
        "--budget",
        default="600",
        metavar="SECONDS",
        help="refuse a run whose recorded duration is longer than this (default 600)",
    )
    p.add_argument("--yes", "--go-on", action="store_true", help="re-run even when over the budget")
    p.set_defaults(func=cmd_reproduce)
    p = sub.add_parser(
        "fingerprint",
        help="recompute recorded runs' fingerprints (their first training batches' losses) and compare them",
    )
    p.add_argument("files", nargs="+", help="results files, e.g. results/imdb/*.json")
    p.add_argument("--data", help="the data set's folder or archive (default: as the training command finds it)")
    p.add_argument(
        "--write",
        action="store_true",
        help="add the fingerprint to files recorded without one, marked added_after_run (never overwrites one)",
    )
    p.set_defaults(func=cmd_fingerprint)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
