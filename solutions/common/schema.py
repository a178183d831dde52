"""The schema of a results file: one pydantic model per task, checked wherever a results file is read.

``results/<task>/*.json`` are the only source of training figures on the site, and a file may come from
anyone, so each is validated in full before a figure in it is used: by the build (through
:func:`solutions.common.runs.load_run`, which every claim, chart and the ``reproduce`` and ``fingerprint``
commands read runs with) and by :class:`~solutions.common.runs.Recorder` before it writes one.

What is checked, at every level a trainer writes (see each trainer's ``fields`` and the Recorder):

* known keys only (``extra="forbid"``) and strict types (``"0.9"`` is not a number, ``true`` is not 1);
* every number finite; accuracies and other fractions in [0, 1]; losses and timings >= 0; sizes, epochs,
  batch sizes, dimensions and parameter counts positive integers (and below sane bounds, so a huge number
  is refused rather than used);
* a commit is 40 hexadecimal digits, optionally ``+dirty``; times are ISO 8601 with a time zone; checksums
  are ``sha256:`` and 64 hexadecimal digits;
* the figures agree with one another: the settings' model, seed and epochs are the run's, the history has
  one entry per epoch, numbered from 1, the best epoch is one of them, a fingerprint has as many losses as
  it says, Yelp's predictions have one digit per unlabelled sentence.

The file name must agree with the content as well (:func:`check_name`).  A violation is one line,
``results/imdb/x.json: history[2].valid_accuracy: 1.3 is not a fraction in [0, 1]`` (:func:`validate`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

TASKS = ("captions", "imdb", "yelp", "transfer", "style")
FINGERPRINTED = ("captions", "imdb", "yelp")  # tasks whose every results file carries a fingerprint
MAX_COUNT = 10**10  # above any size, epoch, dimension or parameter count a run here could have


class SchemaError(ValueError):
    """A results file that does not fit its task's schema: one line naming the file, the field and why."""


def _fraction(v: float) -> float:
    if not 0 <= v <= 1:
        raise ValueError(f"{v!r} is not a fraction in [0, 1]")
    return v


def _non_negative(v: float) -> float:
    if v < 0:
        raise ValueError(f"{v!r} is negative; a loss or a duration is >= 0")
    return v


def _positive(v: float) -> float:
    if not v > 0:
        raise ValueError(f"{v!r} is not positive")
    return v


def _count(v: int) -> int:
    if not 1 <= v <= MAX_COUNT:
        raise ValueError(f"{v!r} is not a positive count (1 to {MAX_COUNT:.0e})")
    return v


def _natural(v: int) -> int:
    if not 0 <= v <= MAX_COUNT:
        raise ValueError(f"{v!r} is not a count (0 to {MAX_COUNT:.0e})")
    return v


def _timestamp(v: str) -> str:
    try:
        when = dt.datetime.fromisoformat(v)
    except ValueError:
        raise ValueError(f"{v[:60]!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise ValueError(f"{v[:60]!r} has no time zone")
    return v


Finite = Annotated[float, Field(allow_inf_nan=False)]
Fraction = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_fraction)]  # an accuracy, 0.7765
Loss = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_non_negative)]  # also any duration in seconds
Positive = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_positive)]  # a learning rate, a rate
Count = Annotated[int, AfterValidator(_count)]  # a size, an epoch, a batch size, a dimension, a parameter count
Natural = Annotated[int, AfterValidator(_natural)]  # a count that may be 0 (words found, skipped files)
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Commit = Annotated[str, Field(pattern=r"^[0-9a-f]{40}(\+dirty)?$")]
Timestamp = Annotated[str, Field(max_length=64), AfterValidator(_timestamp)]
Checksum = Annotated[str, Field(pattern=r"^sha256(-tree)?:[0-9a-f]{64}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Strict(BaseModel):
    """Known keys only, and no coercion: ``"1"`` is not a number and ``true`` is not 1."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Versions(Strict):
    python: Text
    numpy: Text | None = None
    torch: Text | None = None
    spacy: Text | None = None


class Provenance(Strict):
    """Written by :class:`~solutions.common.runs.Recorder`: where a run came from."""

    commit: Commit
    started: Timestamp
    duration_seconds: Loss
    device: Text
    versions: Versions
    data_source: Text | None
    data_checksum: Checksum | None


class AddedAfterRun(Strict):
    """A fingerprint computed after the run by ``python -m solutions fingerprint --write``: when, and by what."""

    commit: Commit
    date: Timestamp


class Fingerprint(Strict):
    """The losses of a run's first training batches (:class:`~solutions.common.runs.Fingerprint`)."""

    batches: Annotated[int, Field(ge=1, le=64)]
    losses: list[Loss]
    added_after_run: AddedAfterRun | None = None

    @model_validator(mode="after")
    def _as_many_as_said(self) -> Fingerprint:
        if len(self.losses) != self.batches:
            raise ValueError(f"{len(self.losses)} losses for {self.batches} batches")
        return self


class Run(Strict):
    """What every results file has; each task's model adds its own fields and checks."""

    task: str
    model: str
    seed: Seed
    epochs: Count
    dry_run: bool
    provenance: Provenance

    @model_validator(mode="after")
    def _consistent(self) -> Run:
        settings = getattr(self, "hyperparameters", None)
        for name in ("model", "seed", "epochs"):
            if settings is not None and hasattr(settings, name) and getattr(settings, name) != getattr(self, name):
                raise ValueError(
                    f"hyperparameters.{name} is {getattr(settings, name)!r} but the run's {name} is "
                    f"{getattr(self, name)!r}"
                )
        history = getattr(self, "history", None)
        if history is not None and self.task != "style":
            numbers = [row.epoch for row in history]
            if numbers != list(range(1, self.epochs + 1)):
                raise ValueError(f"history: epochs {numbers[:12]} are not 1 to {self.epochs}, one entry each")
        best = getattr(self, "best_epoch", None)
        if best is not None and best > self.epochs:
            raise ValueError(f"best_epoch: {best} is past the run's {self.epochs} epochs")
        return self

    @model_validator(mode="after")
    def _fingerprinted(self, info: ValidationInfo) -> Run:
        """A run of a task whose trainer records a fingerprint has one; only ``fingerprint --write``, which adds
        one to a run recorded before, reads a file without it (``context={"backfill": True}``)."""
        backfill = bool((info.context or {}).get("backfill"))
        if self.task in FINGERPRINTED and getattr(self, "fingerprint", None) is None and not backfill:
            raise ValueError(
                "fingerprint: missing (a run recorded before fingerprints gets one from `fingerprint --write`)"
            )
        return self


# ------------------------------------------------------------------ captions (HW2 Q5, solutions/hw2/q5/train.py)


class CaptionSettings(Strict):
    model: Literal["rnn", "lstm"]
    seed: Seed
    epochs: Count
    batch_size: Count
    lr: Positive
    lr_decay: Fraction
    max_train: Count
    wordvec_dim: Count
    hidden_dim: Count
    input_dim: Count
    max_length: Count


class CaptionEpoch(Strict):
    epoch: Count
    train_loss: Loss
    lr: Positive
    seconds: Loss
    val_loss: Loss | None = None


class Sample(Strict):
    generated: Annotated[str, Field(max_length=500)]
    truth: Annotated[str, Field(max_length=500)]


class Samples(Strict):
    train: Annotated[list[Sample], Field(max_length=100)]
    val: Annotated[list[Sample], Field(max_length=100)]


class ExactMatch(Strict):
    train: Fraction
    val: Fraction


class CaptionData(Strict):
    name: Text
    synthetic: bool
    checksum: Checksum
    seed: Seed
    train_captions: Count
    val_captions: Natural
    vocab_size: Count


class CaptionsRun(Run):
    task: Literal["captions"]
    model: Literal["rnn", "lstm"]
    final_train_loss: Loss
    final_val_loss: Loss | None
    exact_match: ExactMatch
    history: list[CaptionEpoch]
    samples: Samples
    hyperparameters: CaptionSettings
    data: CaptionData
    parameters: Count
    fingerprint: Fingerprint | None = None  # required: see Run._fingerprinted


# ------------------------------------------------------------------ yelp (HW2 Q6, solutions/hw2/q6/train.py)


class YelpSettings(Strict):
    model: Literal["bow", "avg", "glove_avg", "glove_rnn", "glove_lstm"]
    seed: Seed
    epochs: Count
    batch_size: Count
    lr: Positive
    weight_decay: Loss
    dropout: Fraction
    embedding_dim: Count
    hidden: Count
    threads: Annotated[int, Field(ge=1, le=1024)]


class YelpEpoch(Strict):
    epoch: Count
    train_loss: Loss
    train_accuracy: Fraction
    dev_loss: Loss
    dev_accuracy: Fraction
    train_seconds: Loss


class GloveInfo(Strict):
    source: Text
    dim: Count
    found: Natural
    vocab_size: Count


class YelpSizes(Strict):
    train: Count
    dev: Count
    test: Count
    unlabelled: Count


class LabelledCounts(Strict):
    train: Natural
    dev: Natural
    test: Natural


class SplitCounts(LabelledCounts):
    unlabelled: Natural


class DataSummary(Strict):
    positives: LabelledCounts
    max_tokens: SplitCounts


class YelpRun(Run):
    task: Literal["yelp"]
    model: Literal["bow", "avg", "glove_avg", "glove_rnn", "glove_lstm"]
    test_accuracy: Fraction
    test_loss: Loss
    dev_accuracy: Fraction
    best_epoch: Count
    history: list[YelpEpoch]
    hyperparameters: YelpSettings
    vocab_size: Count
    glove: GloveInfo | None
    sizes: YelpSizes
    data_summary: DataSummary
    parameters: Count
    unlabelled_predictions: Annotated[str, Field(pattern=r"^[01]*$", max_length=10**7)]
    fingerprint: Fingerprint | None = None  # required: see Run._fingerprinted

    @model_validator(mode="after")
    def _one_prediction_per_sentence(self) -> YelpRun:
        if len(self.unlabelled_predictions) != self.sizes.unlabelled:
            raise ValueError(
                f"unlabelled_predictions: {len(self.unlabelled_predictions)} digits for "
                f"{self.sizes.unlabelled} unlabelled sentences"
            )
        return self


# ------------------------------------------------------------------ imdb (A2 Part I, solutions/a2/part1/train.py)

IMDB_MODELS = Literal["rnn", "lstm", "birnn", "bilstm", "birnn2", "bilstm2"]


class ImdbSettings(Strict):
    model: IMDB_MODELS
    seed: Seed
    epochs: Count
    batch_size: Count
    lr: Positive
    max_vocab: Count
    embedding_dim: Count
    dropout: Fraction
    eval_batch_size: Count = 256  # recorded since it became a setting; the runs before it used 256


class ImdbEpoch(Strict):
    epoch: Count
    train_loss: Loss
    train_accuracy: Fraction
    valid_loss: Loss
    valid_accuracy: Fraction
    train_seconds: Loss
    reviews_per_second: Positive
    valid_seconds: Loss | None = None


class Word2VecRecipe(Strict):
    """How the project's own vectors were learnt (solutions/a2/part1/embeddings.py, WORD2VEC_RECIPE)."""

    algorithm: Text
    vector_size: Count
    window: Count
    negative: Count
    epochs: Count
    min_count: Count
    workers: Count
    seed: Natural
    text: Text


class Embeddings(Strict):
    """How the embedding table started (solutions/a2/part1/embeddings.py): random, a GloVe 100d text file,
    GloVe 6B 50d in the first 50 coordinates, or word2vec vectors learnt from the training reviews."""

    init: Literal["random", "glove", "glove50", "word2vec"]
    detail: Text
    file: Text | None = None
    sha256: Sha256 | None = None
    source: Text | None = None
    dim: Count | None = None
    coordinates: Text | None = None
    recipe: Word2VecRecipe | None = None
    words_found: Natural | None = None

    @model_validator(mode="after")
    def _pretrained_named(self) -> Embeddings:
        if self.init != "random" and (self.file is None or self.sha256 is None):
            raise ValueError("embeddings that start from pretrained vectors name their file and sha256")
        if (self.init == "word2vec") != (self.recipe is not None):
            raise ValueError("word2vec embeddings, and only they, carry the recipe that learnt them")
        return self


class GradientReach(Strict):
    length: Count
    reviews: Count
    window: Count
    norm_by_position: Annotated[list[Loss], Field(max_length=100_000)]
    first_to_last_ratio: Loss


class ImdbSizes(Strict):
    train: Count
    valid: Count
    test: Count


class Segment(Strict):
    started: Timestamp
    commit: Commit
    first_epoch: Count
    threads: Annotated[int, Field(ge=1, le=1024)]
    flush_denormal: bool | None = None  # absent in runs recorded before the trainer flushed subnormals
    last_epoch: Count
    seconds: Loss


class ImdbProvenance(Provenance):
    segments: list[Segment] | None = None


class ImdbRun(Run):
    task: Literal["imdb"]
    model: IMDB_MODELS
    test_accuracy: Fraction
    test_loss: Loss
    best_epoch: Count
    history: list[ImdbEpoch]
    test_seconds: Loss | None = None
    embeddings: Embeddings | None = None  # absent in runs from before --embeddings: those started at random
    hyperparameters: ImdbSettings
    vocab_size: Count
    gradient_reach: GradientReach | None = None
    sizes: ImdbSizes
    parameters: Count
    fingerprint: Fingerprint | None = None  # required: see Run._fingerprinted
    provenance: ImdbProvenance


# ------------------------------------------------------------------ transfer (HW2 Q1, solutions/hw2/q1/train.py)


class TransferSettings(Strict):
    model: Literal["finetune", "freeze"]
    seed: Seed
    epochs: Count
    batch_size: Count
    lr: Positive
    momentum: Fraction
    step_size: Count
    gamma: Fraction


class TransferEpoch(Strict):
    epoch: Count
    train_loss: Loss
    train_accuracy: Fraction
    val_loss: Loss
    val_correct: Natural
    val_accuracy: Fraction
    seconds: Loss


class Weights(Strict):
    file: Text
    sha256: Sha256


class TransferRun(Run):
    task: Literal["transfer"]
    model: Literal["finetune", "freeze"]
    pretrained: bool
    best_val_accuracy: Fraction
    best_val_correct: Natural
    best_epoch: Count
    initial_val_correct: Natural
    val_size: Count
    train_size: Count
    skipped: Annotated[list[Text], Field(max_length=100_000)]  # files of the data set that are not images
    trainable_parameters: Count
    history: list[TransferEpoch]
    hyperparameters: TransferSettings
    weights: Weights | None
    fingerprint: Fingerprint | None = None


# ------------------------------------------------------------------ style (HW2 Q2, solutions/hw2/q2/train.py)


class StyleSetting(Strict):
    style: Text
    image_size: Count
    style_size: Count
    content_layer: Natural
    content_weight: Loss
    style_layers: Annotated[list[Natural], Field(max_length=64)]
    style_weights: Annotated[list[Loss], Field(max_length=64)]
    tv_weight: Loss


class Schedule(Strict):
    iterations: Count
    lr: Positive
    decayed_lr: Positive
    decay_at: Natural
    clamp_until: Natural
    clamp: Positive


class StyleIteration(Strict):
    iteration: Natural
    loss: Loss
    content: Loss
    style: Loss
    tv: Loss


class StyleProvenance(Provenance):
    inputs: dict[Annotated[str, Field(max_length=200)], Sha256]


class StyleRun(Run):
    task: Literal["style"]
    setting: StyleSetting
    schedule: Schedule
    history: Annotated[list[StyleIteration], Field(max_length=100_000)]
    final_loss: Loss
    image: Text
    image_sha256: Sha256
    feature_extractor: Text
    weights: Weights | None
    fingerprint: Fingerprint | None = None
    provenance: StyleProvenance


MODELS: dict[str, type[Run]] = {
    "captions": CaptionsRun,
    "imdb": ImdbRun,
    "yelp": YelpRun,
    "transfer": TransferRun,
    "style": StyleRun,
}


# ------------------------------------------------------------------ checking


def _where(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as a path in the file: ``("history", 2, "acc")`` -> ``history[2].acc``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _why(error: dict[str, Any]) -> str:
    msg = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    kind = error["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return "not a field of this task's results files"
    if kind == "value_error":  # our own checks say what the value is
        return msg
    return f"{_shown(error['input'])}: {msg[0].lower()}{msg[1:]}"


def validate(data: Any, where: str, backfill: bool = False) -> dict[str, Any]:
    """``data`` (a parsed results file) checked against its task's model; returns it unchanged, or raises
    :class:`SchemaError`, one line: ``<where>: <field>: <what is wrong>``."""
    if not isinstance(data, dict):
        raise SchemaError(f"{where}: a results file holds one JSON object, not {type(data).__name__}")
    task = data.get("task")
    if task not in MODELS:
        raise SchemaError(f"{where}: task: {_shown(task)} is not one of {', '.join(TASKS)}")
    try:
        MODELS[task].model_validate(data, context={"backfill": backfill})
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        field = _where(tuple(first["loc"]))
        why = _why(first)
        raise SchemaError(f"{where}: {field}: {why}" if field else f"{where}: {why}") from None
    except RecursionError:
        raise SchemaError(f"{where}: nested too deeply to be a results file") from None
    return data


_NAME = re.compile(
    r"^(?P<model>[a-z0-9_]+)-seed(?P<seed>[0-9]+)(?:-e(?P<epochs>[0-9]+))?(?P<glove>-glove|-glove50|-word2vec)?-(?P<stamp>[0-9]{8}T[0-9]{6,12}Z)\.json$"
)
_STYLE_NAME = re.compile(r"^(?P<model>[a-z0-9_]+)-(?P<stamp>[0-9]{8}T[0-9]{6,12}Z)\.json$")


def check_name(path: Path, data: dict[str, Any]) -> None:
    """The file's folder is its task, and its name says the run's model and seed (and, for IMDB, its epochs
    and whether it started from GloVe), as the trainers name them: ``bilstm-seed0-e5-20261202T054338Z.json``.
    ``data`` must be validated already."""
    name, task = path.name, data["task"]
    if path.parent.name != task:
        raise SchemaError(f"{path}: task: {task!r} is not the folder it is in ({path.parent.name!r})")
    if task == "style":
        found = _STYLE_NAME.match(name)
        if not found:
            raise SchemaError(f"{path}: the name is not <style>-<UTC time>.json, as `stylize` names its runs")
        said = {"model": found["model"]}
    else:
        found = _NAME.match(name)
        if not found:
            raise SchemaError(
                f"{path}: the name is not <model>-seed<seed>{'-e<epochs>' if task == 'imdb' else ''}-<UTC time>.json, "
                "as the trainer names its runs"
            )
        said = {"model": found["model"], "seed": int(found["seed"])}
        if task == "imdb":
            if found["epochs"] is None:
                raise SchemaError(f"{path}: the name does not say the run's epochs (-e<epochs>)")
            said["epochs"] = int(found["epochs"])
            init = (data.get("embeddings") or {}).get("init") or "random"
            tag = found["glove"] or ""
            if tag != ("" if init == "random" else f"-{init}"):
                raise SchemaError(
                    f"{path}: embeddings: the run started from {init!r} embeddings, the name says "
                    f"{tag or 'nothing of a pretrained start'}"
                )
    for key, value in said.items():
        if data[key] != value:
            raise SchemaError(f"{path}: {key}: the file says {data[key]!r}, its name says {value!r}")
