"""The figures the HW2 answer sheet reports, read from its kept copy (``sources/answer-sheets/hw2-sheet.md``,
checksum pinned by ``tests/test_sources.py``): a page that quotes the sheet is checked against its words, not
against a constant typed from them."""

from __future__ import annotations

import functools
import re

from solutions.common import paths

SHEET = paths.REPO_ROOT / "sources" / "answer-sheets" / "hw2-sheet.md"
HOW = "read from the kept copy of the HW2 answer sheet (sources/answer-sheets/hw2-sheet.md)"

# Q6's five models, in the sheet's order, each named by words its item must contain.
Q6_MODELS = {
    "bow": "Bag of words",
    "avg": "Average pooling",
    "glove_avg": "with glove",
    "glove_rnn": "RNN",
    "glove_lstm": "LSTM",
}


def _section(question: int) -> str:
    """The sheet's text after the line that starts "Q<question>." up to the next question's."""
    text = SHEET.read_text(encoding="utf-8")
    found = re.search(rf"^Q{question}\.[^\n]*$(.*?)(?=^Q{question + 1}\.|\Z)", text, re.MULTILINE | re.DOTALL)
    if found is None:
        raise AssertionError(f"{SHEET.name} has no section 'Q{question}.'")
    return found[1]


@functools.cache
def q1_best_val() -> dict[str, str]:
    """Q1's two best validation accuracies as the sheet writes them: fine-tuning first, then the frozen model."""
    figures = re.findall(r"Best val Acc: ([0-9.]+)", _section(1))
    if len(figures) != 2:
        raise AssertionError(f"{SHEET.name}'s Q1 reports {len(figures)} best validation accuracies, not 2")
    return {"finetune": figures[0], "freeze": figures[1]}


@functools.cache
def q6_test_acc() -> dict[str, float]:
    """Q6's test accuracy of each model, a fraction, by the model's key in :data:`Q6_MODELS`."""
    items = re.findall(r"^\d\.\s+(.+?)\s*$\s*^test acc: ([0-9.]+)", _section(6), re.MULTILINE)
    if len(items) != len(Q6_MODELS):
        raise AssertionError(f"{SHEET.name}'s Q6 reports {len(items)} test accuracies, not {len(Q6_MODELS)}")
    out = {}
    for (key, words), (item, figure) in zip(Q6_MODELS.items(), items, strict=True):
        if words not in item:
            raise AssertionError(f"{SHEET.name}'s Q6 item {item!r} is not the {key} model ({words!r})")
        out[key] = float(figure)
    return out
