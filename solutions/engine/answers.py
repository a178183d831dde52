"""A reader's own answer to a claim, judged: what the command line's ``check`` and the in-page checker share.

An answer is compared with the claim's truth exactly as a page's value is (the claim's kind compares,
:func:`.checks.compare_within` bounds the work), then given one of five verdicts (:data:`VERDICTS`):
*equivalent*; *different*, with the difference; a known *mistake*, when it equals a wrong answer that
a page shows as a mistake of that claim; *invalid*, when it cannot be read (with the column); *timeout*.

The in-page checker runs this module in the reader's browser (Pyodide), so the site build emits what it
needs as JSON (:func:`catalog`): each answerable claim's kind, its truth as a tree of sympy constructors
(:func:`to_tree`) and the page text of its known mistakes.  The browser rebuilds each truth with those
constructors (:func:`from_tree`: read, never evaluated) and reads the mistakes with the engine's own
parser.  What the browser imports is :data:`BUNDLE`: this module and the engine modules it needs, none
of which imports NumPy, torch or YAML (a test imports the bundle with those blocked).
"""

from __future__ import annotations

import io
import json
import math
import re
import time
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import CheckTimeout, compare_within, excerpt, time_limit
from .kinds import Decimal, Formula, Integer, exact, plain
from .registry import Claim
from .verdicts import Outcome

if TYPE_CHECKING:
    from .kinds import Kind
    from .verdicts import Result

VERDICTS = ("equivalent", "different", "mistake", "invalid", "timeout")
ANSWERABLE = ("integer", "decimal", "formula", "gradient")  # kinds a reader can type an answer to in the page
# The engine modules the browser imports (with empty package files for ``solutions`` and ``solutions.engine``).
BUNDLE = ("answers", "checks", "registry", "kinds", "verdicts", "latex", "pages", "matrix_latex", "matrix_eval")
_MAX_TREE_DEPTH = 200
_INT = re.compile(r"-?[0-9]{1,64}")  # the numbers of a truth's tree: plain digits, no separators, no huge ones
_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?")


class Unsupported(ValueError):
    """A truth the in-page checker cannot carry (a matrix, a figure): the page points to the command line."""


@dataclass(frozen=True)
class Mistake:
    """A wrong answer that a page shows as a mistake of a claim (a mistake claim's page text), or a right value of
    something else that the page shows and that is often given as the claim's answer (``other``: a verified claim
    declared with ``wrong_answer_to``)."""

    id: str
    text: str
    why: str
    href: str = ""  # where the page shows it (the site build fills it in)
    other: bool = False  # the right value of another claim (its id), not a mistake shown as one


@dataclass
class Verdict:
    verdict: str  # one of VERDICTS
    read_as: str = ""  # how the answer was read, as plain text (2·f_1 - f_4)
    read_as_latex: str = ""  # ... and as LaTeX, for the page to render
    detail: str = ""  # why it could not be read (with a caret under the column), or what differs
    difference_latex: str = ""  # answer - truth, simplified, for formulas
    mistake: Mistake | None = None
    truth: str = ""  # the claim's truth as plain text
    hint: str = ""  # for a wrong formula: letters it uses that the truth does not
    negated: bool = False  # a wrong answer that is exactly the negative of the truth: a sign slip

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    def line(self) -> str:
        """One line for a terminal, in a student's terms."""
        if self.verdict == "equivalent":
            return "equivalent"
        if self.verdict == "mistake" and self.mistake is not None:
            where = f", on {self.mistake.href}" if self.mistake.href else ""
            what = "the value of" if self.mistake.other else "the mistake"
            return f"known mistake: {self.mistake.why} ({what} {self.mistake.id}{where})"
        if self.verdict == "different":
            hint = f"\n  hint: {self.hint}" if self.hint else ""
            hint += "\n  it is the negative of the checked one: check the signs" if self.negated else ""
            return (f"different: {self.detail}" if self.detail else "different") + hint
        if self.verdict == "timeout":
            return f"timeout: {self.detail}"
        return f"cannot parse: {self.detail}"


# ---------------------------------------------------------------------------------------------- judging


def assess(claim: Claim, text: str, truth: Any, mistakes: list[Mistake] = (), seconds: float = 5.0) -> Verdict:
    """Validate ``text`` (how it reads, or why it cannot be read), then judge it against ``truth``.

    The whole of it (comparison, reading, the search among known mistakes) runs within ``seconds`` where the
    platform has interval timers (:func:`.checks.time_limit`); in the browser, which has none, the page stops
    the worker instead.  Never raises for any text: an error becomes an *invalid* verdict."""
    if len(text) > MAX_ANSWER:  # told, never cut: a cut answer would be judged as something the reader did not write
        return Verdict(
            "invalid",
            detail=f"too long: {len(text):,} characters, and the checker reads at most {MAX_ANSWER:,}; "
            "nothing was cut, so shorten the answer and check it again",
        )
    text = lenient(claim.kind, text.translate(_TYPED))
    worked = ""  # a whole-number answer written as arithmetic (6 \cdot 2 \cdot 3): worked out first, shown so
    if isinstance(claim.kind, Integer) and (done := whole_number_arithmetic(text)) is not None:
        worked, text = text.strip(), str(done)
    deadline = time.monotonic() + seconds
    try:
        cmp = compare_within(claim, text, truth, seconds)
        if cmp.outcome == Outcome.UNPARSABLE:
            return Verdict("timeout" if cmp.timed_out else "invalid", detail=cmp.detail, truth=cmp.truth)
        with time_limit(max(deadline - time.monotonic(), 0.05)):
            read_as, read_as_latex = _reading(claim.kind, text, cmp.page)
            if worked:
                read_as = f"{worked} = {read_as}"
            if cmp.outcome == Outcome.EQUAL:
                return Verdict("equivalent", read_as, read_as_latex, truth=cmp.truth)
            found = next((m for m in mistakes if _is_mistake(claim, text, m, truth)), None)
            hint = "" if found else _unknown_symbols(claim.kind, text, truth)
            negated = not found and _negated(claim, text, truth, max(deadline - time.monotonic(), 0.05))
    except CheckTimeout:
        return Verdict("timeout", detail=f"the check took longer than its limit of {seconds:g} s")
    except RecursionError:
        return Verdict("invalid", detail="the answer nests too deeply to read; write it with fewer nested parts")
    except Exception as err:  # noqa: BLE001 - a reader's text must get a verdict, never a traceback
        return Verdict("invalid", detail=f"cannot check this answer ({type(err).__name__}: {excerpt(str(err))})")
    # The kinds word their detail for a page's value; here the value is the reader's own answer.
    detail = cmp.detail.replace("page - truth", "your answer - the checked one")  # as the page words it
    verdict = "mistake" if found else "different"
    return Verdict(verdict, read_as, read_as_latex, detail, cmp.difference_latex, found, cmp.truth, hint, negated)


def _negated(claim: Claim, text: str, truth: Any, seconds: float) -> bool:
    """Whether a wrong answer is exactly the negative of a truth that is not zero: a sign slip, which the
    difference alone does not name.  Numbers by the kind's own reading; a formula (not a chain) by comparing its
    negation, as the kind compares any answer."""
    kind = claim.kind
    if isinstance(kind, Integer):
        value = kind.read(text)
        return value is not None and truth != 0 and value == -truth
    if isinstance(kind, Decimal):
        value, right = kind.read(text), exact(truth)
        return value is not None and right is not None and right != 0 and kind.within(value, -right)
    if not isinstance(kind, Formula) or "=" in text:
        return False
    negative = compare_within(claim, f"-({text})", truth, seconds)
    return negative.outcome == Outcome.EQUAL and compare_within(claim, "0", truth, seconds).outcome != Outcome.EQUAL


# What a reader may paste from a rendered page, read as the LaTeX it stands for.
_TYPED = str.maketrans({"\u2212": "-", "\u2013": "-", "\u00d7": "\\times ", "\u22c5": "\\cdot ", "\u00b7": "\\cdot "})


# The longest answer read (the formula parser's own limit): a longer one is refused with its length, never cut.
MAX_ANSWER = 2000
_SUBSCRIPT_DIGITS = re.compile("[\u2080-\u2089]+")  # f₁, f₁₂: what a phone's keyboard or a copy from a PDF gives
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d,])")  # 1 446 400, 1 446 400
_BARE_POINT = re.compile(r"(?<![\d.])\.(?=\d)")  # .5


_ARITHMETIC_LIMIT = 10**30  # no intermediate result beyond this (a power tower would take forever)


def whole_number_arithmetic(text: str) -> int | None:
    r"""The value of ``text`` when it is arithmetic on whole numbers that works out to one (``6 \cdot 2 \cdot 3``,
    ``4*4*200*(100+200+2)``, ``2^{10} - 24``): +, -, a product (``*``, ``\cdot``, ``\times``), a power with a small
    exponent, and brackets.  None for anything else: a plain number, a fraction, a letter, a result over
    10^30.  Parsed (Python's own ``ast`` over the rewritten text), never evaluated as code: only those nodes are
    walked.  Hand-written, not sympy: it must refuse what is not plain arithmetic, which sympy would accept."""
    import ast

    if re.fullmatch(r"\s*[+-]?[\d,]*\s*", text) or len(text) > 200:
        return None
    rewritten = re.sub(r"\\(?:cdot|times)", "*", text).replace("^", "**").replace("{", "(").replace("}", ")")
    rewritten = re.sub(r"\\left|\\right", "", rewritten)
    if not re.fullmatch(r"[\d\s+\-*()]+", rewritten):
        return None
    try:
        tree = ast.parse(rewritten, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = value(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Pow):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Pow):
                if not 0 <= right <= 100 or abs(left) > 10**6:
                    raise ValueError("too large a power")
                out = left**right
            else:
                out = (
                    left + right
                    if isinstance(node.op, ast.Add)
                    else left - right
                    if isinstance(node.op, ast.Sub)
                    else left * right
                )
            if abs(out) > _ARITHMETIC_LIMIT:
                raise ValueError("too large")
            return out
        raise ValueError("not arithmetic on whole numbers")

    try:
        return value(tree.body)
    except (ValueError, RecursionError):
        return None


def lenient(kind: Kind, text: str) -> str:
    """A reader's answer as the engine's readers take it, where a student writes what is ordinary: subscript digits
    (f₁ is f_1, f₁₂ is f_{12}), digits grouped by spaces (regular, no-break or thin) in threes in a number
    (1 446 400), and a decimal without its leading zero (.5 is 0.5).  The verdict's "read as" shows the result."""

    def subscript(m: re.Match[str]) -> str:
        digits = "".join(str(ord(c) - 0x2080) for c in m.group())
        return f"_{digits}" if len(digits) == 1 else f"_{{{digits}}}"

    text = _BARE_POINT.sub("0.", _SUBSCRIPT_DIGITS.sub(subscript, text))
    if isinstance(kind, Integer | Decimal):  # in a formula, digits side by side are a product or a mistake
        text = _GROUPED.sub(lambda m: re.sub(r"\D", "", m.group()), text)
    return text


def _reading(kind: Kind, text: str, page: str) -> tuple[str, str]:
    if not isinstance(kind, Formula):  # a number as the kind read it; a matrix formula as written
        return page.strip().strip("$").strip(), ""

    from . import latex

    chain = latex.parse_chain(text)  # already read once by the comparison: it parses
    return " = ".join(plain(e) for e in chain), " = ".join(_latex(e) for e in chain)


def _latex(expr: Any) -> str:
    """sympy's LaTeX, with the engine's derivative atoms (a symbol named ∂N/∂D) shown as the fraction they are."""
    import sympy

    names = {}
    for s in expr.free_symbols:
        numerator, sep, denominator = s.name.partition("/∂")
        if s.name.startswith("∂") and sep:
            names[s] = rf"\frac{{\partial {numerator[1:]}}}{{\partial {denominator}}}"
    return sympy.latex(expr, symbol_names=names)


def _unknown_symbols(kind: Kind, text: str, truth: Any) -> str:
    """A hint when a formula uses letters the truth does not: a letter is a variable, and letters side by side
    multiply (fn is f·n), which is the commonest reason a right idea reads as a wrong answer."""
    if not isinstance(kind, Formula) or not hasattr(truth, "free_symbols"):
        return ""
    from . import latex

    chain = latex.parse_chain(text)
    known = {s.name for s in truth.free_symbols} | (
        {s.name for s in chain[0].free_symbols} if len(chain) > 1 else set()
    )
    extra = sorted(s.name for s in chain[-1].free_symbols if s.name not in known)
    if not extra:
        return ""
    wanted = ", ".join(sorted(s.name for s in truth.free_symbols)) or "no letters at all"
    return (
        f"your answer uses {', '.join(extra)}, which the checked answer does not (it uses {wanted}); each letter is "
        "a variable of its own and letters side by side multiply, so fn is f·n: write f_n"
    )


def _is_mistake(claim: Claim, text: str, m: Mistake, truth: Any = None) -> bool:
    """Whether the answer equals the mistake's value (and, for a formula, says what the mistake's left side says),
    by the kind's own reading of both texts (a matrix formula: the same values in every case of a notation)."""
    kind = claim.kind
    if kind.name == "gradient" and isinstance(truth, list):  # matrix_eval.MatrixAnswer: truth is its notations
        from . import matrix_eval

        return matrix_eval.same_as(text, m.text, truth)
    if isinstance(kind, Integer):
        return kind.read(m.text) is not None and kind.read(m.text) == kind.read(text)
    if isinstance(kind, Decimal):
        wrong, answer = kind.read(m.text), kind.read(text)
        return wrong is not None and answer is not None and kind.within(answer, wrong)
    if not isinstance(kind, Formula):
        return False
    import sympy

    from . import latex

    try:
        wrong, answer = latex.parse_chain(m.text), latex.parse_chain(text)
    except latex.LatexError:
        return False
    claim_lhs = latex.parse_expr(kind.lhs) if kind.lhs else None
    wrong_lhs = wrong[0] if len(wrong) > 1 else claim_lhs
    if len(answer) > 1:
        if wrong_lhs is None or sympy.expand(answer[0] - wrong_lhs) != 0:
            return False
        answer = answer[1:]
    elif wrong_lhs is not None and claim_lhs is not None and sympy.expand(wrong_lhs - claim_lhs) != 0:
        return False  # the mistake is about another quantity: only an answer that names it matches
    return all(sympy.simplify(sympy.expand(a - wrong[-1])) == 0 for a in answer)


# ------------------------------------------------------------------------------------- what travels as JSON


def kind_to_json(kind: Kind) -> dict[str, Any]:
    if isinstance(kind, Integer):
        return {"name": "integer"}
    if isinstance(kind, Decimal):
        return {"name": "decimal", "tol": kind.tol}
    if isinstance(kind, Formula):
        return {"name": "formula", "lhs": kind.lhs, "vectors": list(kind.vectors)}
    raise Unsupported(f"a {kind.name} claim is not checked in the page")


def kind_from_json(d: dict[str, Any]) -> Kind:
    name = d.get("name")
    if name == "integer":
        return Integer()
    if name == "decimal":
        return Decimal(float(d["tol"]))
    if name == "formula":
        lhs = d.get("lhs")
        vectors = d.get("vectors", [])
        if (lhs is not None and not isinstance(lhs, str)) or not all(isinstance(v, str) for v in vectors):
            raise ValueError(f"a formula kind needs a text lhs and text vectors, not {d!r}")
        return Formula(lhs, tuple(vectors))
    raise ValueError(f"unknown kind {name!r}")


def to_tree(value: Any) -> dict[str, Any]:
    """A truth as JSON: numbers, symbols, sums, products and powers, each one sympy constructor."""
    import sympy

    if isinstance(value, bool):
        raise Unsupported("a truth of True or False")
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):  # NumPy's float64 too, whose repr is np.float64(...)
        return {"float": repr(float(value))}
    if isinstance(value, sympy.Integer):
        return {"int": str(int(value))}
    if isinstance(value, sympy.Rational):
        return {"rat": [str(value.p), str(value.q)]}
    if isinstance(value, sympy.Symbol):
        if value.assumptions0 != sympy.Symbol(value.name).assumptions0:
            raise Unsupported(f"symbol {value.name} carries assumptions")
        return {"sym": value.name}
    for name, cls in (("add", sympy.Add), ("mul", sympy.Mul), ("pow", sympy.Pow)):
        if isinstance(value, cls):
            return {name: [to_tree(a) for a in value.args]}
    raise Unsupported(f"a truth of type {type(value).__name__} ({plain(value)})")


def from_tree(tree: Any, depth: int = 0) -> Any:
    """Rebuild a truth from :func:`to_tree`'s JSON with sympy's constructors; anything else is a ValueError.
    A plain number needs no sympy: the in-page checker judges numbers before sympy has loaded."""
    if depth > _MAX_TREE_DEPTH:
        raise ValueError("the truth's tree nests too deeply")
    if not isinstance(tree, dict) or len(tree) != 1:
        raise ValueError(f"a truth node is an object with one key, not {str(tree)[:60]!r}")
    ((key, arg),) = tree.items()
    if key == "int" and isinstance(arg, str) and _INT.fullmatch(arg):
        return int(arg)  # int() of plain digits: nothing is evaluated
    if key == "float" and isinstance(arg, str) and _FLOAT.fullmatch(arg) and math.isfinite(float(arg)):
        return float(arg)
    import sympy

    if key == "rat" and isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        if not (_INT.fullmatch(arg[0]) and _INT.fullmatch(arg[1])) or int(arg[1]) <= 0:
            raise ValueError(f"a rational is two whole numbers, the second positive, not {str(arg)[:60]}")
        return sympy.Rational(int(arg[0]), int(arg[1]))
    if key == "sym" and isinstance(arg, str) and arg.strip():
        return sympy.Symbol(arg)
    if key in ("add", "mul", "pow") and isinstance(arg, list):
        args = [_sympy_number(from_tree(a, depth + 1)) for a in arg]
        if key == "add":
            return sympy.Add(*args)
        if key == "mul":
            return sympy.Mul(*args)
        if len(args) == 2:
            if args[0].is_Number and args[1].is_Integer:  # sympy would have computed it: no truth is one
                raise ValueError("a power of a number to a whole exponent")
            return sympy.Pow(*args)
    raise ValueError(f"unknown truth node {key!r}")


def _sympy_number(v: Any) -> Any:
    import sympy

    return sympy.Integer(v) if isinstance(v, int) else v


def spec(claim: Claim, truth: Any) -> dict[str, Any]:
    """What the in-page checker needs of a verified claim; :class:`Unsupported` for a kind it does not check."""
    if claim.kind.name == "gradient":
        return gradient_spec(claim, truth)
    tree = to_tree(truth)
    if from_tree(json.loads(json.dumps(tree))) != truth:  # what the browser rebuilds must be the truth itself
        raise Unsupported(f"{plain(truth)} does not survive its trip to the browser")
    return {"kind": kind_to_json(claim.kind), "truth": tree}


def gradient_spec(claim: Claim, truth: Any) -> dict[str, Any]:
    """A gradient claim's cases as plain numbers (:func:`.matrix_eval.dump`), every notation of its truth, the
    claim's own first: ``matrix`` (the notations, their cases naming arrays) and ``arrays`` (the arrays, which
    :func:`catalog` gathers into one table for the whole site)."""
    from . import matrix_eval

    own = claim.kind.notation
    rows_lhs = truth.lhs or ("" if own else claim.kind.lhs)  # the page's notation needs its own left-hand side
    every = [("rows", truth.note, rows_lhs, truth.cases), *((n.name, n.note, n.lhs, n.cases) for n in truth.notations)]
    ordered = sorted((n for n in every if n[2]), key=lambda n: n[0] != (own or "rows"))  # stable: the claim's first
    notations, arrays = matrix_eval.dump(ordered)
    return {"kind": {"name": "gradient", "lhs": claim.kind.lhs}, "matrix": notations, "arrays": arrays}


def gradient_hint(spec: dict[str, Any]) -> tuple[str, list[str]]:
    """What a gradient field's hint shows of its own claim: the left-hand side as the page writes it (how a
    gradient is written in this question's notation; never the answer), and the names of the notations the
    claim accepts (``rows``, ``columns``)."""
    notations = spec.get("matrix") or []
    lhs = next((str(n["lhs"]) for n in notations if n.get("lhs")), "") or str(spec.get("kind", {}).get("lhs") or "")
    return lhs, [str(n.get("name", "")) for n in notations]


def reader_check(claim: Claim, truth: Any) -> tuple[Claim, Any]:
    """The claim and truth that :func:`assess` judges a reader's answer with: a gradient claim's as the in-page
    checker has them (its cases through JSON, evaluated in pure Python: :mod:`.matrix_eval`), so that the
    command line's verdict is the page's; any other claim as it is."""
    if claim.kind.name != "gradient":
        return claim, truth
    data = json.loads(json.dumps(gradient_spec(claim, truth)))
    return _matrix_claim(claim.id, data["kind"], data["matrix"], data["arrays"])


def _matrix_claim(
    claim_id: str, kind: dict[str, Any], notations: Any, arrays: Any, cache: dict[str, Any] | None = None
) -> tuple[Claim, Any]:
    from . import matrix_eval

    lhs = kind.get("lhs")
    if not isinstance(lhs, str):
        raise ValueError("a gradient kind needs a text lhs")  # noqa: TRY004 - a bad catalog is a ValueError
    loaded = matrix_eval.load(notations, arrays, cache)
    return Claim(claim_id, matrix_eval.MatrixAnswer(lhs), lambda: loaded, "", "", 0, ""), loaded


def mistakes_of(results: list[Result]) -> dict[str, list[Mistake]]:
    """The known mistakes of each claim, by the claim they answer wrongly: the page text of every refuted mistake
    claim, and of every verified claim declared a wrong answer to another (``wrong_answer_to``)."""
    out: dict[str, list[Mistake]] = {}
    for r in results:
        refutes = r.extra.get("refutes") if r.status == "refuted" else None
        other = r.extra.get("wrong_answer_to") if r.status == "verified" else None
        if refutes or other:
            text = r.extra.get("mistake_text", r.page)
            out.setdefault(refutes or other, []).append(Mistake(r.claim_id, text, r.extra["why"], other=bool(other)))
    return out


def catalog(results: list[Result], href: Any, time_limit: float) -> dict[str, Any]:
    """The JSON the in-page checker loads: every claim a reader can answer in the page, with its mistakes.

    ``href(result)`` gives the site address of where a result's claim is shown (for the mistakes' links)."""
    mistakes = mistakes_of(results)
    claims, arrays = {}, {}
    for r in results:
        if r.status == "verified" and r.answer and ("truth" in r.answer or "matrix" in r.answer):
            known = [asdict(replace(m, href=href(m.id))) for m in mistakes.get(r.claim_id, [])]
            entry = dict(r.answer)
            arrays.update(entry.pop("arrays", {}))  # a gradient's arrays, shared by the claims of one forward pass
            claims[r.claim_id] = {**entry, "mistakes": known}
    return {"version": 1, "module": __name__, "time_limit": time_limit, "claims": claims, "arrays": arrays}


def bundle() -> bytes:
    """The engine as the browser imports it: a zip of :data:`BUNDLE` (sources) with empty package files
    (the catalog names the module to import: :func:`catalog`'s ``module``)."""
    here = Path(__file__).parent
    package = __name__.rsplit(".", 1)[0].split(".")  # the engine's package, as the course installed it
    files = {"/".join([*package[: i + 1], "__init__.py"]): b"" for i in range(len(package))}
    files |= {"/".join([*package, f"{m}.py"]): (here / f"{m}.py").read_bytes() for m in BUNDLE}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))  # a fixed date: the same code, the same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


@dataclass
class Catalog:
    """The checker's side in the browser: the claims of :func:`catalog`, judged by :func:`assess`."""

    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_limit: float = 5.0
    arrays: dict[str, Any] = field(default_factory=dict)  # the gradient claims' arrays (:func:`catalog`)
    _read: dict[str, Any] = field(default_factory=dict, repr=False)  # those arrays once read (matrix_eval.load)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("claims"), dict):
            raise ValueError("not a version-1 answer catalog")
        arrays = data.get("arrays", {})
        return cls(data["claims"], float(data.get("time_limit", 5.0)), arrays if isinstance(arrays, dict) else {})

    def check(self, claim_id: str, text: str) -> Verdict:
        entry = self.claims.get(claim_id)
        if entry is None:
            return Verdict("invalid", detail=f"no claim {claim_id!r} can be checked in this page")
        if not text.strip():
            return Verdict("invalid", detail="type an answer first")
        if entry["kind"].get("name") == "gradient":
            claim, truth = _matrix_claim(claim_id, entry["kind"], entry.get("matrix"), self.arrays, self._read)
        else:
            kind = kind_from_json(entry["kind"])
            truth = from_tree(entry["truth"])
            claim = Claim(claim_id, kind, lambda: truth, "", "", 0, "")
        mistakes = [
            Mistake(m["id"], m["text"], m["why"], m.get("href", ""), bool(m.get("other")))
            for m in entry.get("mistakes", [])
        ]
        return assess(claim, text, truth, mistakes, self.time_limit)

    def check_json(self, claim_id: str, text: str) -> str:
        return self.check(claim_id, text).to_json()


def mistakes_in(docs: Path, claims: dict[str, Claim], claim_id: str) -> list[Mistake]:
    """The known mistakes of a claim as the pages under ``docs`` show them, each with the page's path (for
    the command line; a page that cannot be read is left out: the site build reports it)."""
    from .pages import PageSyntaxError, find_claims

    wanted = {c.id: c for c in claims.values() if claim_id in (c.refutes, c.wrong_answer_to)}
    found = []
    for page in sorted(docs.rglob("*.md")) if wanted else []:
        try:
            occurrences = find_claims(page.read_text(encoding="utf-8"), _shown(page))
        except (PageSyntaxError, OSError, UnicodeDecodeError):
            continue
        for occ in occurrences:
            if occ.id in wanted:
                text = occ.latex if occ.is_latex else occ.value or ""
                other = wanted[occ.id].wrong_answer_to is not None
                found.append(Mistake(occ.id, text, wanted[occ.id].why, occ.path, other))
    return found


def _shown(page: Path) -> str:
    """A page's path as a reader would type it: relative to the working folder where it lies below it."""
    try:
        return page.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return page.as_posix()


def warm() -> None:
    """Import and exercise the parser once, so that a reader's first check is not the one that pays for it."""
    from . import latex

    latex.parse_chain(r"\frac{\partial L}{\partial f_1} = 2(f_1 - f_2) + \frac{1}{2}")
