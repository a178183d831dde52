"""Command line: ``python -m solutions check|verify``.

``check`` answers one student's question ("is my answer right?") with the same
engine that checks the site; ``verify`` checks every claim the site makes.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from solutions.engine import registry
from solutions.engine.checks import (
    DIFFERENT,
    EQUAL,
    FAILED,
    UNPARSABLE,
    CheckTimeout,
    Pending,
    compare,
    compute_truth,
    time_limit,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXIT = {EQUAL: 0, DIFFERENT: 1, UNPARSABLE: 2}


def cmd_check(args: argparse.Namespace) -> int:
    claims = registry.load_all()
    c = claims.get(args.claim_id)
    if c is None:
        near = difflib.get_close_matches(args.claim_id, list(claims), n=3)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        print(f"cannot parse: no claim is called {args.claim_id!r}{hint}; `python -m solutions verify` lists them all")
        return 2
    try:
        truth = compute_truth(c)
    except Pending as p:
        print(f"cannot check yet: {p}")
        return 2
    try:
        with time_limit(5.0):
            cmp = compare(c, args.answer, truth)
    except CheckTimeout as err:
        print(f"cannot parse: {err}")
        return 2
    if cmp.outcome == EQUAL:
        print("equivalent")
    elif cmp.outcome == DIFFERENT:
        print(f"different: {cmp.detail}" if cmp.detail else "different")
        if args.verbose:
            print(f"  yours: {cmp.page}\n  truth: {cmp.truth}")
    else:
        print(f"cannot parse: {cmp.detail}")
    return EXIT[cmp.outcome]


def cmd_verify(args: argparse.Namespace) -> int:
    from solutions.engine.site import verify_docs

    report = verify_docs(Path(args.docs), set(args.ids) if args.ids else None)
    width = max((len(r.claim_id) for r in report.results), default=5)
    print(f"{'claim':<{width}}  {'status':<9} {'kind':<22} {'ms':>6}  where")
    for r in sorted(report.results, key=lambda r: (r.path or "~", r.line or 0)):
        print(f"{r.claim_id:<{width}}  {r.status:<9} {r.kind:<22} {r.seconds * 1000:6.0f}  {r.where}")
    failures = [r for r in report.results if r.status == FAILED]
    for r in failures:
        print("\n" + r.message, file=sys.stderr)
    counts = report.counts()
    print("\n" + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 1 if failures else 0


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
    from solutions.a2 import imdb_data, imdb_train

    if args.model not in ("all", *imdb_train.MODELS):
        print(f"error: imdb has no model {args.model!r}; choose from all, {', '.join(imdb_train.MODELS)}", file=sys.stderr)
        return 2

    import torch

    from solutions.hw2.glove import GloveError

    models = imdb_train.MODELS if args.model == "all" else [args.model]
    if not _at_least_one(("--threads", args.threads), ("--epochs", args.epochs), ("--stop-after", args.stop_after)):
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    options = {"embeddings": Path(args.embeddings) if args.embeddings else None, "resume": args.resume,
               "stop_after": args.stop_after}
    for seed in args.seed:
        for model in models:
            try:
                if args.dry_run:
                    imdb_train.dry_run(model, seed, **options)
                    continue
                source = imdb_data.find_source(args.data)
                cfg = imdb_train.Config(model, seed=seed, epochs=args.epochs if args.epochs is not None else 5)
                imdb_train.train(cfg, source, Path(args.results), args.device, **options)
            except (imdb_data.DataError, GloveError, imdb_train.CheckpointError, imdb_train.TrainingError) as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            except KeyboardInterrupt:
                print(f"\ninterrupted: {model} seed {seed} keeps its last finished epoch in {imdb_train.CHECKPOINT_DIR}; "
                      "the same command with --resume continues it", file=sys.stderr)
                return 130
    return 0


def train_yelp(args: argparse.Namespace) -> int:
    import time

    from solutions.hw2 import glove, yelp_data, yelp_train
    from solutions.hw2.yelp_models import MODELS

    if args.model not in ("all", *MODELS):
        print(f"error: yelp has no model {args.model!r}; choose from all, {', '.join(MODELS)}", file=sys.stderr)
        return 2
    models = MODELS if args.model == "all" else (args.model,)
    overrides = {"epochs": args.epochs} if args.epochs is not None else {}
    t0 = time.perf_counter()
    try:
        folder = None if args.dry_run else yelp_data.find_source(args.data)
        for seed in args.seed:
            for model in models:
                if args.dry_run:
                    print(f"dry run: {yelp_train.dry_run(model, seed, args.glove)}")
                else:
                    yelp_train.train(yelp_train.Config.for_model(model, seed, **overrides), folder, Path(args.results), args.glove)
    except (yelp_data.DataError, glove.GloveError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{len(models) * len(args.seed)} run(s) in {time.perf_counter() - t0:.1f} s")
    return 0


def train_transfer(args: argparse.Namespace) -> int:
    from solutions.hw2 import hymenoptera, transfer, vision_models

    scenarios = transfer.SCENARIOS if args.model == "all" else (args.model,)
    if any(s not in transfer.SCENARIOS for s in scenarios):
        print(f"error: transfer has no model {args.model!r}; choose finetune, freeze or all", file=sys.stderr)
        return 2
    try:
        source = None if args.dry_run else hymenoptera.find_source(args.data)
        for seed in args.seed:
            for scenario in scenarios:
                if args.dry_run:
                    print(f"dry run: {transfer.dry_run(scenario, seed)}")
                    continue
                cfg = transfer.Config(scenario, seed, **({"epochs": args.epochs} if args.epochs is not None else {}))
                transfer.train(cfg, source, Path(args.results), args.weights, args.device)
    except (hymenoptera.DataError, vision_models.WeightsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_stylize(args: argparse.Namespace) -> int:
    from solutions.hw2 import style, style_run, vision_models

    names = list(style.SETTINGS) if args.style == "all" else [args.style]
    if any(n not in style.SETTINGS for n in names):
        print(f"error: no style {args.style!r}; choose {', '.join(style.SETTINGS)} or all", file=sys.stderr)
        return 2
    try:
        folder = None if args.dry_run else style_run.find_images(args.images)
        for name in names:
            if args.dry_run:
                print(f"dry run: {style_run.dry_run(name)}")
            else:
                style_run.run(name, folder, Path(args.results), args.weights, args.device)
    except (style_run.ImageError, vision_models.WeightsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def train_captions(args: argparse.Namespace) -> int:
    from solutions.hw2 import caption_train

    cells = ["rnn", "lstm"] if args.model == "all" else [args.model]
    if any(c not in ("rnn", "lstm") for c in cells):
        print(f"error: captions has no model {args.model!r}; choose rnn, lstm or all", file=sys.stderr)
        return 2
    for seed, cell in ((s, c) for s in args.seed for c in cells):
        path = caption_train.run(cell, seed, args.epochs if args.epochs is not None else 50,
                                 Path(args.results), dry_run=args.dry_run)
        print(f"wrote {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import torch

    from solutions.a2 import imdb_bench, imdb_data, imdb_train

    if not _at_least_one(("--threads", args.threads), ("--batches", args.batches)):
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    models = list(imdb_train.MODELS) if args.model == "all" else [args.model]
    try:
        imdb_bench.bench_all(models, args.batches, args.data, args.device, packed=args.packed)
    except imdb_data.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from solutions.hw2 import yelp_predictions
    from solutions.results import ResultsError

    try:
        yelp_predictions.write_all(Path(args.out))
    except (ResultsError, yelp_predictions.PredictionsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from solutions.hw2 import yelp_data, yelp_predictions

    expected = args.lines
    if expected is None:
        try:
            expected = len(yelp_data.read_split(yelp_data.find_source(args.data) / "unlabelled.txt", labelled=False))
        except yelp_data.DataError as err:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solutions", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="check one answer: exit 0 equivalent, 1 different, 2 cannot parse")
    p.add_argument("claim_id", help="e.g. a2.q6.dL_df1 (see the Verification page)")
    p.add_argument("answer", help="a number, or LaTeX such as '2f_1 - 2f_2' (quote it for the shell)")
    p.add_argument("-v", "--verbose", action="store_true", help="also print both sides")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("verify", help="check every claim of the site and print a table")
    p.add_argument("ids", nargs="*", help="only these claim ids")
    p.add_argument("--docs", default=str(DOCS), help="the docs folder (default: the site's)")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("train", help="train a model and record the run under results/")
    p.add_argument("task", choices=["imdb", "captions", "yelp", "transfer"],
                   help="imdb: Assignment II, Part I; captions: HW2 Q5 (synthetic set); yelp: HW2 Q6; transfer: HW2 Q1")
    p.add_argument("--model", required=True, help="imdb: all, bilstm2, birnn2, birnn, rnn, bilstm, lstm; captions: rnn, lstm, all; "
                                                  "yelp: all, bow, avg, glove_avg, glove_rnn, glove_lstm; transfer: finetune, freeze, all")
    p.add_argument("--epochs", type=int, help="default: 5 for imdb, 50 for captions, each model's own for yelp")
    p.add_argument("--seed", type=int, nargs="+", default=[0], help="one run per seed (e.g. --seed 0 1 2)")
    p.add_argument("--data", help="imdb: aclImdb tarball or folder (default: $IMDB_DATA, the local copy, or a download); "
                                  "yelp: the folder of the four .txt files (default: $YELP_DATA or the local copy); "
                                  "transfer: hymenoptera_data.zip or its folder (default: $HYMENOPTERA_DATA, the local copy, or a download)")
    p.add_argument("--glove", help="yelp: a glove.6B.<d>d.txt file instead of the installed 50d package")
    p.add_argument("--weights", help="transfer: a resnet18-f37072fd.pth file (default: the torch hub cache, or a download)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    p.add_argument("--results", default=str(Path(__file__).resolve().parent.parent / "results"), help="where the results file goes")
    p.add_argument("--dry-run", action="store_true", help="the whole pipeline on a tiny generated corpus, in seconds")
    p.add_argument("--resume", action="store_true", help="imdb: continue an interrupted run from its last finished epoch "
                                                         "(checkpoints/imdb/); starts afresh where there is none")
    p.add_argument("--stop-after", type=int, metavar="N", help="imdb: stop after epoch N, checkpointed (continue with --resume)")
    p.add_argument("--embeddings", help="imdb: a GloVe text file of dimension 100 (e.g. glove.6B.100d.txt) to start the "
                                        "embedding table from, as the notebook did (default: random)")
    p.add_argument("--threads", type=int, help="imdb: torch's CPU threads for this run (default: torch's own choice)")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("bench", help="time our batching against a padded, unbucketed baseline")
    p.add_argument("task", choices=["imdb"])
    p.add_argument("--model", default="all", choices=["all", "bilstm2", "birnn2", "birnn", "rnn", "bilstm", "lstm"],
                   help="one architecture, or all of them in turn (default)")
    p.add_argument("--batches", type=int, default=10, help="batches of 64 timed for each side (default 10)")
    p.add_argument("--packed", action="store_true", help="also time the notebook's packed sequences (slow on the CPU)")
    p.add_argument("--threads", type=int, help="torch's CPU threads (default: torch's own choice)")
    p.add_argument("--data", help="aclImdb tarball or folder")
    p.add_argument("--device", help="cpu or cuda")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("stylize", help="HW2 Q2: style transfer with the question's settings, recorded under results/style/")
    p.add_argument("--style", default="all", help="composition_vii, the_scream, starry_night or all")
    p.add_argument("--images", help="the folder with tubingen.jpg and the style images (default: $STYLE_IMAGES or the local copy)")
    p.add_argument("--weights", help="a squeezenet1_1-b8a52dc0.pth file (default: the torch hub cache, or a download)")
    p.add_argument("--device", help="cpu or cuda")
    p.add_argument("--results", default=str(Path(__file__).resolve().parent.parent / "results"))
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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
