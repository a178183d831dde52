"""Test accuracies that others reported for Part I, quoted so the page can show them beside ours.

These are references, never results: no claim averages them with a recorded run, and none of them
is trusted (the answer sheets disagree with one another by up to 13 points on the same model).
Each quote names its source file under ``../shared/sources/`` and the text of the line it comes
from; ``tests/test_part1_references.py`` finds every quote there, so a typo here fails the tests.

The sheets ran the provided notebook, whose embeddings start from GloVe 6B 100d; the tutorial that
the notebook adapts did too, with a larger model (hidden size 256 instead of 200).
"""

from __future__ import annotations

from typing import NamedTuple


class Reported(NamedTuple):
    source: str  # who reported it, as the page names them (sheets are anonymised: A, B, C)
    file: str  # the source file under ../shared/sources/
    line: str  # text found on the quoted line (the model's label or the version's words)
    model: str  # the model of solutions.a2.part1.params.ARCHITECTURES it is a figure for
    percent: str  # the figure exactly as written there, without the % sign
    note: str = ""  # what differs from the assignment's recipe, in a reader's words


SHEETS = {"A": "answer-sheets/a2-sheet-A.md", "B": "answer-sheets/a2-sheet-B.md", "C": "answer-sheets/a2-sheet-C.md"}
TUTORIAL = "a2-notebook-recipe.md"
TUTORIAL_NOTE = "the tutorial's own 2-level bi-LSTM, hidden size 256"

REPORTED: tuple[Reported, ...] = (
    Reported("sheet A", SHEETS["A"], "2-level bi-LSTM", "bilstm2", "83.9"),
    Reported("sheet A", SHEETS["A"], "2-level bi-RNN", "birnn2", "70.68"),
    Reported("sheet A", SHEETS["A"], "bi-RNN", "birnn", "61.2"),
    Reported("sheet A", SHEETS["A"], "RNN", "rnn", "63"),
    Reported("sheet B", SHEETS["B"], "2-level bi-LSTM", "bilstm2", "73.00"),
    Reported("sheet B", SHEETS["B"], "2-level bi-RNN", "birnn2", "61.39"),
    Reported("sheet B", SHEETS["B"], "bi-RNN", "birnn", "68.72"),
    Reported("sheet B", SHEETS["B"], "RNN", "rnn", "64.64"),
    Reported("sheet B", SHEETS["B"], "bi-LSTM", "bilstm", "86.49"),
    Reported("sheet B", SHEETS["B"], "LSTM", "lstm", "86.03"),
    Reported("sheet C", SHEETS["C"], "2-level bi-LSTM", "bilstm2", "85.81"),
    Reported("sheet C", SHEETS["C"], "2-level bi-RNN", "birnn2", "50.73"),
    Reported("sheet C", SHEETS["C"], "bi-RNN", "birnn", "49.51"),
    Reported("sheet C", SHEETS["C"], "RNN", "rnn", "69.49"),
    Reported("tutorial, 2019 version", TUTORIAL, "2019 version", "bilstm2", "87.07", TUTORIAL_NOTE),
    Reported("tutorial, 2021 version", TUTORIAL, "2021 version", "bilstm2", "85.28", TUTORIAL_NOTE),
)


def of(model: str) -> list[Reported]:
    """The figures reported for one model, in the order above."""
    return [r for r in REPORTED if r.model == model]
