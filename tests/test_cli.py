"""``python -m solutions check|verify``, and every console example the site shows."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from solutions.__main__ import main
from tests.conftest import DOCS, ROOT


@pytest.mark.parametrize(
    ("args", "code", "out"),
    [
        (["a2.q3.dL_dfa", "f_n - f_p"], 0, "equivalent"),
        (["a2.q3.dL_dfa", r"\frac{\partial L^t}{\partial f_a} = -(f_p - f_n)"], 0, "equivalent"),
        (["a2.q6.dL_df1", "2(f_1 - f_2 - f_3) + f_4 + f_5"], 0, "equivalent"),
        (["a2.q4.valid_triplets", "36"], 0, "equivalent"),
        (["a2.q4.valid_triplets", "19"], 1, "different: your answer - the checked one = -17"),
        (["a2.q4.valid_triplets", "18"], 1, "known mistake: That counts {anchor, positive} as an unordered pair"),
        (["a2.q3.dL_dfa", "f_p - f_n"], 1, "different: your answer - the checked one = -2·f_n + 2·f_p"),
        (["a2.q3.dL_dfa", "f_a f_p"], 1, "multiplies vectors together"),
        (["a2.q3.dL_dfa", r"\frac{f_n"], 2, "cannot parse"),
        (["a2.q3.dL_dfa", "__import__('os').system('echo pwned')"], 2, "cannot parse"),
        (["a2.q3.dL_dfa", "2^{2^{2^{20}}}"], 2, "cannot parse"),
        (["a2.q4.valid_triplets", "thirty-six"], 2, "cannot parse"),
        (["a2.q3.dl_dfa", "0"], 2, "did you mean a2.q3.dL_dfa"),
        (["a2.q3.dL_dfa", "-f_p + f_n"], 0, "equivalent"),  # an answer may start with a minus sign
        (["-v", "a2.q3.dL_dfa", "-f_p", "+", "f_n"], 0, "equivalent"),  # words the shell split are one answer
        (["a2.q4.valid_triplets", "--", "-36"], 1, "different: your answer - the checked one = -72"),
        (["a2.q4.valid_triplets"], 2, "give an answer"),
        (["a2.q4.valid_triplets", "３６"], 2, "cannot parse"),  # fullwidth digits
        (["a2.q4.valid_triplets", "৩৬"], 2, "cannot parse"),  # Bengali digits
        (["a2.q4.valid_triplets", "0,036"], 2, "cannot parse"),  # not 36
        (["a2.q4.valid_triplets", "36,000"], 1, "different"),
        (["a2.example.loss", "１2.5"], 2, "cannot parse"),  # a fullwidth digit in a decimal
        (["hw2.q3.step.dx", "G_t ²"], 2, "unexpected character '²'"),  # a superscript character
        (["hw2.q3.step.dx", "G_t" + "'" * 1500], 2, "nests more than 200 operations"),  # no RecursionError
    ],
)
def test_check_exit_codes(args: list[str], code: int, out: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *args]) == code
    assert out in capsys.readouterr().out


def test_verify_prints_a_table_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"a2\.q6\.dL_df1\s+verified\s+formula", out)
    assert re.search(r"\d+ verified, \d+ refuted, \d+ pending, 0 failed", out)


def test_verify_fails_on_a_planted_error(docs_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = docs_copy / "a2/part2.md"
    page.write_text(page.read_text().replace("[[?a2.q4.valid_triplets: 36]]", "[[?a2.q4.valid_triplets: 35]]"))
    assert main(["verify", "--docs", str(docs_copy)]) == 1
    assert "claim a2.q4.valid_triplets is wrong" in capsys.readouterr().err


def console_examples() -> list[tuple[str, str, str]]:
    """(page, command, expected output) for every ``$ ...python -m solutions check`` in a console block."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        # A block may sit in an admonition (indented): its lines are read without the indentation.
        for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL):
            lines = textwrap.dedent(block).splitlines()
            for i, line in enumerate(lines):
                if line.startswith("$ ") and "-m solutions check" in line:
                    output = []  # every line up to the next prompt
                    for following in lines[i + 1 :]:
                        if following.startswith("$ "):
                            break
                        output.append(following)
                    expected = "\n".join(output).strip()
                    found.append((page.relative_to(ROOT).as_posix(), line[2:], expected))
    return found


@pytest.mark.parametrize(("page", "command", "expected"), console_examples())
def test_console_examples_on_the_site_are_true(
    page: str, command: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = shlex.split(command)
    assert argv[:3] == [".venv/bin/python", "-m", "solutions"], f"{page}: unexpected example {command!r}"
    main(argv[3:])  # in-process: the same entry point as `python -m solutions`, without a new interpreter per example
    out = capsys.readouterr().out
    assert out.rstrip().strip("\n") == expected.rstrip(), (
        f"{page}: `{command}` prints {out.strip()!r}, the page says {expected!r}"
    )


def test_the_module_runs_as_a_command() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "solutions", "check", "a2.q4.valid_triplets", "36"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout.strip()) == (0, "equivalent")


def test_there_are_console_examples() -> None:
    assert len(console_examples()) >= 3


@pytest.mark.parametrize("digit", ["１", "১", "𝟏"])
def test_a_look_alike_digit_in_a_matrix_formula_is_not_a_number(digit: str, capsys: pytest.CaptureFixture[str]) -> None:
    answer = rf"\left(\frac{{\partial L}}{{\partial H_t}} \odot ({digit} - H_t^2)\right) W_x^\top"
    assert main(["check", "hw2.q3.step.dx", answer]) == 2
    assert "unexpected character" in capsys.readouterr().out
