// "Check your answer": a small field after every claim a reader can answer (integer, decimal, formula).
//
// The build leaves an empty <span class="answer-slot" data-claim=ID data-kind=K> after each such claim
// (solutions/engine/render.py); this script turns each into
//   <form data-answer-for=ID> <input> ... <span data-verdict=""> </form>
// (created here because HTML cannot parse a form inside a paragraph, while the DOM can hold one).
// Typing shows a KaTeX preview (bounded: see preview() below); Enter sends the answer to a Web Worker
// (answer-worker.js) that runs the
// site's own claim engine on Pyodide.  Nothing of Pyodide loads until a reader focuses a field, or,
// in practice mode, until the page is idle (see preload() below).  A check
// that runs past its limit terminates the worker (static hosts cannot send the headers Pyodide's interrupt
// buffer needs), so the page never freezes; the next check starts a fresh worker.
(function () {
  "use strict";
  // One checker for the whole visit.  Material's instant navigation swaps the page in and runs this file again;
  // that run only mounts the new page's fields, so the first run's worker (already warm) checks them.
  if (typeof window.answerCheckMount === "function") {
    window.answerCheckMount();
    return;
  }
  const ROOT = new URL("../", document.currentScript.src); // this file is <site>/javascripts/answer-check.js
  // The live preview renders on the page's own thread, where nothing can stop KaTeX once it runs, so what it
  // renders is bounded before it starts: a short text, shallow nesting, no macro definitions, KaTeX's own
  // limits on expansion and sizes.  Measured in Chromium (tests/test_preview_bounds.py): the worst hostile
  // input within these bounds renders in well under the 100 ms a page may block.
  const PREVIEW_MAX_LENGTH = 500; // characters
  const PREVIEW_MAX_DEPTH = 20; // nested {...}, \left...\right, \begin...\end
  const PREVIEW_DELAY_MS = 250; // the preview renders once typing pauses this long, never on every key
  const CHECK_MAX_LENGTH = 2000; // characters the engine reads (answers.MAX_ANSWER): a longer answer is refused
  const KATEX_LIMITS = {
    throwOnError: false, // a mistake in the LaTeX shows in red, the source as typed
    trust: false, // no \href, \url, \includegraphics, \htmlClass...: a formula links to and loads nothing
    strict: "ignore", // the preview shows what can be shown; reading the answer is the engine's job
    maxExpand: 100, // macro expansions per render (KaTeX's default is 1000)
    maxSize: 5, // em, for \rule, \kern and the like
    output: "htmlAndMathml",
  };
  // Commands that define or rebind macros; a reader's answer is a formula, never a definition.
  const DEFINES = /\\(?:[egx]?def|newcommand|renewcommand|providecommand|let|futurelet|global|long|outer|newenvironment|renewenvironment|DeclareMathOperator)(?![A-Za-z])/;
  const START_LIMIT_MS = 60000; // loading Pyodide and sympy (a few seconds measured on a 2-core machine)
  const CHECK_LIMIT_MS = 10000; // one answer: twice the build's 5 s, for WebAssembly's slower Python
  // Examples of how to write an answer (tests/test_answers.py: none of them is the answer to any field of the site).
  const EXAMPLES = {
    integer: ["a whole number, such as ", "12,345", ", or the arithmetic that gives it, such as ", "2 \\cdot (3 + 4)"],
    decimal: ["a decimal number, such as ", "0.865", " (digits and a point: no fractions, no e-notation)"],
    formula: ["LaTeX, such as ", "2f_1 - f_4", " or ", "\\frac{1}{2}(f_1 - f_2)"],
    // A matrix gradient: the field's own hint names the question's arrays (gradientExample); this is the fallback.
    gradient: ["a matrix formula in LaTeX, such as ", "2 X^\\top W", " (a given gradient is written ",
      "\\frac{\\partial L}{\\partial H}", ")"],
  };
  const TYPESET = { formula: true, gradient: true }; // kinds whose answer is LaTeX, previewed with KaTeX
  // The limit of one check; a page (or a test) may lower it by setting window.answerCheckLimitMs.
  function checkLimit() {
    return window.answerCheckLimitMs > 0 ? window.answerCheckLimitMs : CHECK_LIMIT_MS;
  }
  let engine = null; // {worker, ready: Promise, waiting: Map, started}
  let queue = Promise.resolve(); // one check at a time, so each gets its whole time limit
  let sequence = 0;

  function startEngine() {
    if (engine) return engine;
    const worker = new Worker(new URL("javascripts/answer-worker.js", ROOT));
    const current = { worker: worker, waiting: new Map() };
    current.ready = new Promise(function (resolve, reject) {
      const timer = setTimeout(function () {
        stopEngine(current);
        reject(new Error("the checker did not start within " + START_LIMIT_MS / 1000 + " s"));
      }, START_LIMIT_MS);
      current.started = function (error) {
        clearTimeout(timer);
        if (error) {
          stopEngine(current);
          reject(new Error("the checker could not start: " + error));
        } else {
          resolve();
        }
      };
    });
    current.ready.catch(function () {}); // reported by the check that waits for it
    worker.onmessage = function (event) {
      const msg = event.data;
      if (msg.type === "ready" || msg.type === "warm") { // the core is ready; then sympy is loaded and warm
        window.answerCheckStartup = msg.timings; // for measurements
        window.answerCheckRequests = msg.requests; // what the worker fetched, for tests
        if (msg.type === "ready") {
          window.answerCheckReadyAt = performance.now(); // ms since the page loaded, for measurements
          current.isReady = true;
          current.started(null);
        }
      }
      else if (msg.type === "error" && msg.n === undefined) current.started(msg.message);
      else if (current.waiting.has(msg.n)) {
        current.waiting.get(msg.n)(msg);
        current.waiting.delete(msg.n);
      }
    };
    worker.onerror = function (event) {
      current.started(event.message || "the worker failed");
    };
    engine = current;
    return current;
  }

  function stopEngine(which) {
    which.worker.terminate();
    if (engine === which) engine = null;
  }

  // Ask the worker; resolve with its verdict, or with a timeout verdict after terminating it.
  function ask(claim, text) {
    let current;
    try {
      current = startEngine();
    } catch (error) { // no worker at all: a file:// page, a browser without workers, a security policy
      return Promise.resolve({ verdict: "timeout", detail: "the checker could not start: " + error.message });
    }
    return current.ready.then(
      function () {
        return new Promise(function (resolve) {
          const n = ++sequence;
          const limit = checkLimit();
          const timer = setTimeout(function () {
            current.waiting.delete(n);
            stopEngine(current);
            resolve({
              verdict: "timeout",
              detail: "the check took longer than " + limit / 1000 + " s and was stopped; " +
                "write the answer in a simpler form and try again.",
            });
          }, limit);
          current.waiting.set(n, function (msg) {
            clearTimeout(timer);
            resolve(msg.type === "verdict" ? msg.result : { verdict: "invalid", detail: msg.message });
          });
          current.worker.postMessage({ n: n, claim: claim, text: text });
        });
      },
      function (error) {
        return { verdict: "timeout", detail: error.message };
      },
    );
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // Render LaTeX with KaTeX's limits and a fresh, empty macro table every time (so no \gdef of one render
  // survives into the next); the text itself where KaTeX is missing or gives up.
  function tex(target, latex) {
    if (typeof katex === "undefined") {
      target.textContent = latex;
      return;
    }
    const t0 = performance.now();
    try {
      katex.render(latex, target, Object.assign({ macros: {} }, KATEX_LIMITS));
    } catch (e) { // a KaTeX limit (too many expansions) or a stack that ran out
      target.textContent = latex;
    }
    // The last render's time and the count of renders, for tests and figures.
    window.answerPreviewMs = performance.now() - t0;
    window.answerPreviewRenders = (window.answerPreviewRenders || 0) + 1;
  }

  // Why a text is not previewed, in the reader's terms, or "" when it may be.
  function unpreviewable(text) {
    if (text.length > CHECK_MAX_LENGTH) return tooLong(text);
    if (text.length > PREVIEW_MAX_LENGTH) {
      return "too long to preview: " + text.length + " characters, at most " + PREVIEW_MAX_LENGTH +
        " (Enter still checks it)";
    }
    const defines = text.match(DEFINES);
    if (defines) {
      return "not previewed: " + defines[0] + " defines a macro; write the formula itself, without definitions";
    }
    // Nesting, counted on the text (KaTeX's parser recurses once per level, and its layout more).
    let depth = 0;
    let deepest = 0;
    (text.match(/\\\\|\\(?:begin|end|left|right)(?![A-Za-z])|\\[{}[\]]|[{}[\]]/g) || []).forEach(function (tok) {
      if (tok === "{" || tok === "[" || tok === "\\begin" || tok === "\\left") deepest = Math.max(deepest, ++depth);
      else if (tok === "}" || tok === "]" || tok === "\\end" || tok === "\\right") depth -= 1;
    });
    if (deepest > PREVIEW_MAX_DEPTH) {
      return "nested too deeply to preview: " + deepest + " levels, at most " + PREVIEW_MAX_DEPTH +
        " (Enter still checks it)";
    }
    return "";
  }

  // Said as soon as typing pauses, before Enter: the engine reads at most CHECK_MAX_LENGTH characters and cuts none.
  function tooLong(text) {
    return "too long to check: " + text.length.toLocaleString("en") + " characters, and the checker reads at most " +
      CHECK_MAX_LENGTH.toLocaleString("en") + "; nothing is cut, so shorten it";
  }

  // A gradient field's example, from what the build says of this claim (data-lhs, its left-hand side as the page
  // writes it; data-notations, "rows" and/or "columns"): never another question's symbols.
  function gradientExample(slot) {
    const lhs = slot.dataset.lhs;
    if (!lhs) return EXAMPLES.gradient;
    const both = (slot.dataset.notations || "").split(" ").filter(Boolean).length > 1;
    return ["a matrix formula in LaTeX, in this question's symbols (the gradient asked is written ", lhs,
      ")" + (both ? ", in the page's batched rows or the question's column vectors (both are checked)" : "")];
  }

  function build(slot) {
    const claim = slot.dataset.claim;
    const kind = EXAMPLES[slot.dataset.kind] ? slot.dataset.kind : "formula";
    const example = kind === "gradient" ? gradientExample(slot) : EXAMPLES[kind];
    const form = el("form", "answer-check");
    form.dataset.answerFor = claim;
    form.dataset.kind = kind;
    form.dataset.hint = example.join("");
    form.setAttribute("autocomplete", "off");
    const input = el("input", "answer-input");
    input.type = "text";
    input.name = "answer";
    // No maxlength: it would cut a long paste silently; the preview and the engine say what is too long.
    input.placeholder = "✎";
    input.title = "Check an answer of your own: type " + example.join("") + ", then press Enter";
    input.setAttribute("aria-label", "Check your answer for " + (slot.dataset.label || "this value") + ": type " +
      example.join("") + ", then press Enter");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("enterkeyhint", "go");
    const panel = el("span", "answer-panel");
    const hint = el("span", "answer-hint", "Type ");
    example.forEach(function (part, i) { hint.append(i % 2 ? el("code", "", part) : part); });
    hint.append("; Enter checks it with this site's own engine, in your browser.");
    if (kind === "decimal" && slot.dataset.tol) {
      hint.append(" Answers within ±" + slot.dataset.tol + " of the checked value count as equal.");
    }
    const preview = el("span", "answer-preview");
    const verdict = el("span", "answer-verdict");
    verdict.dataset.verdict = "";
    verdict.setAttribute("role", "status");
    verdict.setAttribute("aria-live", "polite");
    const close = el("button", "answer-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "close this checker");
    panel.append(close, hint, preview, verdict);
    form.append(input, panel);
    slot.replaceWith(form);
    practiceForm(form);
  }

  function mount() {
    document.querySelectorAll("span.answer-slot[data-claim]").forEach(build);
  }

  // A field in a table shows its checker as a sheet at the foot of the screen (a panel inside the cell would widen
  // the table).  The sheet goes when its field leaves the screen, so it never stays over what the reader moved on
  // to; and on opening, a field low on the screen is scrolled up, above where the sheet can reach (claims.css).
  const sheetWatch = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      const form = entry.target.closest("form.answer-check");
      if (!entry.isIntersecting && form && form.classList.contains("open") && !form.dataset.pending) close(form);
    });
  }) : null;

  function open(form) {
    const sheet = !!form.closest("table"); // a table's field opens as a sheet at the foot of the window
    document.querySelectorAll("form.answer-check.open").forEach(function (other) {
      // Others close unless they show a verdict or wait for one; another sheet always goes (two would pile up at
      // the foot of the window; its verdict is kept and shows again when its field is opened).
      if (other === form || other.dataset.pending) return;
      if (!other.querySelector("[data-verdict]").dataset.verdict || (sheet && other.closest("table"))) close(other);
    });
    form.classList.add("open");
    form.elements.answer.placeholder = form.dataset.hint || "";
    const current = startEngine(); // start loading while the reader types
    if (TYPESET[form.dataset.kind] && !current.symbolic) { // a formula needs sympy: the worker loads it meanwhile
      current.symbolic = true;
      current.worker.postMessage({ prepare: "symbolic" });
    }
    if (form.closest("table")) {
      const input = form.elements.answer;
      if (input.getBoundingClientRect().bottom > window.innerHeight * 0.55) input.scrollIntoView({ block: "center" });
      if (sheetWatch) sheetWatch.observe(input);
    }
  }

  function close(form) {
    form.classList.remove("open");
    form.elements.answer.placeholder = practicePlaceholder(form);
    if (sheetWatch) sheetWatch.unobserve(form.elements.answer);
  }

  // On every edit: only the cheap part (the old verdict goes); the preview waits for a pause in typing.
  function edited(form) {
    const out = form.querySelector("[data-verdict]");
    if (out.dataset.verdict) { // the verdict was for the answer before this edit
      out.dataset.verdict = "";
      out.textContent = "Press Enter to check the edited answer.";
    }
    clearTimeout(previewTimers.get(form));
    previewTimers.set(form, setTimeout(function () {
      previewTimers.delete(form);
      showPreview(form);
    }, PREVIEW_DELAY_MS));
  }
  const previewTimers = new WeakMap();

  function showPreview(form) {
    const text = form.elements.answer.value;
    const preview = form.querySelector(".answer-preview");
    preview.textContent = "";
    delete preview.dataset.refused;
    if (!text.trim()) return;
    preview.append(el("span", "answer-label", "You typed: "));
    const math = el("span", "answer-math");
    preview.append(math);
    // A number is shown as typed; it is bounded by its length only.
    const why = TYPESET[form.dataset.kind] || text.length > PREVIEW_MAX_LENGTH ? unpreviewable(text) : "";
    if (why) {
      preview.dataset.refused = why;
      math.append(el("span", "answer-refused", "(" + why + ")"));
    } else if (TYPESET[form.dataset.kind]) tex(math, text);
    else math.textContent = text;
  }

  function show(form, result) {
    const out = form.querySelector("[data-verdict]");
    out.textContent = "";
    if (result.read_as) {
      const read = el("span", "answer-read");
      // A matrix gradient is read in one of its notations (the formula itself is previewed as typed).
      read.append(el("span", "answer-label", form.dataset.kind === "gradient" ? "Read in " : "Read as: "));
      const math = el("span", "answer-math");
      if (result.read_as_latex) tex(math, result.read_as_latex);
      else math.textContent = result.read_as;
      read.append(math);
      out.append(read);
    }
    const line = el("span", "answer-line");
    if (result.verdict === "equivalent") {
      line.textContent = "✓ Equivalent: your answer equals the one this page checks.";
    } else if (practiceHidden(form) && (result.verdict === "mistake" ||
        (result.verdict === "different" && form.dataset.kind !== "gradient"))) {
      // Practice mode, the answer still hidden: how far off a number or formula is, or why a known mistake is
      // wrong, would give the answer away (your answer minus the difference is the answer).  Both show once it is
      // solved or revealed.  A matrix formula's verdict names a shape or one case's numbers, never the formula.
      line.append(result.verdict === "mistake" ? "✗ A known mistake: an answer often given, and wrong. " :
        "✗ Different: your answer does not equal the checked one. ");
      line.append(el("span", "answer-hint", (result.verdict === "mistake" ? "Why it is wrong" : "By how much") +
        " would give the answer away: it shows here once you solve this question or reveal its answer."));
    } else if (result.verdict === "different") {
      line.append("✗ Different: ");
      if (result.difference_latex) {
        line.append("your answer − the checked one = ");
        const math = el("span", "answer-math");
        tex(math, result.difference_latex);
        line.append(math, ".");
      } else {
        // A matrix formula's detail may end in the formula with a caret under the column: keep its lines.
        const [first, ...rest] = (result.detail || "it does not equal the checked answer.").split("\n");
        line.append(first);
        if (rest.length) line.append(el("code", "answer-error", rest.join("\n")));
      }
      if (result.negated) line.append(" It is the negative of the checked one: check the signs.");
    } else if (result.verdict === "mistake") {
      line.append("✗ A known mistake: " + result.mistake.why + " ");
      if (result.mistake.href) {
        // A right value of something else, often given as this answer, is explained where the page counts it.
        const a = el("a", "", result.mistake.other ? "See what it counts on this page." :
          "See it among the common mistakes.");
        const target = new URL(result.mistake.href, ROOT);
        // On this very page, a plain anchor: the page only scrolls, and Back returns to the answer as it was.
        a.href = target.pathname === location.pathname ? target.hash : target.href;
        line.append(a);
      }
    } else if (result.verdict === "timeout" && /^the checker /.test(result.detail || "")) {
      line.textContent = "⚠ The check could not run: " + result.detail + ".";
    } else if (result.verdict === "timeout") {
      line.textContent = "⏱ Timeout: " + result.detail;
    } else {
      line.append("Cannot read this answer: ");
      line.append(el("code", "answer-error", result.detail || ""));
    }
    out.append(line);
    if (result.hint) out.append(el("span", "answer-hint", "Hint: " + result.hint + "."));
    out.dataset.verdict = result.verdict;
    practiceVerdict(form, result.verdict);
    out.scrollIntoView({ block: "nearest" });
  }

  function check(form) {
    const text = form.elements.answer.value;
    const out = form.querySelector("[data-verdict]");
    const token = String(++sequence);
    form.dataset.pending = token;
    out.dataset.verdict = "";
    open(form);
    if (!text.trim()) { // nothing to check: no need to start the engine
      show(form, { verdict: "invalid", detail: "type an answer first" });
      delete form.dataset.pending;
      return;
    }
    out.textContent = engine && engine.isReady ? "Checking…" : "Starting the checker (the first time takes a few seconds)…";
    function settle(result) {
      if (form.dataset.pending !== token) return; // only the latest answer of this field
      delete form.dataset.pending;
      show(form, result);
    }
    queue = queue
      .then(function () {
        return ask(form.dataset.answerFor, text).then(settle);
      })
      .catch(function (error) { // whatever went wrong, the field gets a verdict and the next check runs
        settle({ verdict: "invalid", detail: "the check failed: " + ((error && error.message) || error) });
      });
  }

  // Delegated, so they hold for pages that instant navigation swaps in.
  function formOf(event) {
    return event.target.closest ? event.target.closest("form.answer-check") : null;
  }
  document.addEventListener("focusin", function (event) {
    const form = formOf(event);
    if (form) open(form);
  });
  document.addEventListener("input", function (event) {
    const form = formOf(event);
    if (form) edited(form);
  });
  document.addEventListener("submit", function (event) {
    const form = formOf(event);
    if (!form) return;
    event.preventDefault();
    check(form);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".answer-close")) close(formOf(event));
    else if (event.target.closest && event.target.closest("[data-practice-reveal]")) practiceReveal(event);
    else if (event.target.closest && event.target.closest("[data-practice-toggle]")) practiceToggle();
  });
  document.addEventListener("keydown", function (event) {
    const form = event.key === "Escape" ? formOf(event) : null;
    if (form) close(form);
  });

  // Practice mode.  The engine renders each verified answer of a question (a claim written [[?id: value]] on the
  // page) in an element with data-practice="shown" and data-practice-for=ID.  A switch on the page (remembered in
  // localStorage, so across pages, visits and instant navigation) hides them until the reader has tried:
  //   hidden    the value is not shown (display: none); its field is, with a prompt for an equation;
  //   solved    an equivalent answer was typed: the value shows, with a ✓;
  //   revealed  "show answer" was pressed: the value shows, without credit.
  // A known mistake or a different answer keeps it hidden (the verdict explains).  What was solved or revealed is
  // kept in localStorage too, and counted by every [data-practice-progress] element: on a page, its own answers;
  // on the home page, the ids the engine lists in data-practice-ids.  Nothing leaves the browser.
  const PRACTICE_MODE = "verified-answers.practice"; // "on", or absent
  const PRACTICE_DONE = "verified-answers.practice.done"; // {claim id: "solved" | "revealed"}

  function storage(key, value) { // localStorage, or nothing where the browser refuses it (a private window)
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (error) { /* practice mode then lasts as long as the page */ }
    return null;
  }
  function practiceOn() { return storage(PRACTICE_MODE) === "on"; }
  function practiceDone() {
    try {
      const done = JSON.parse(storage(PRACTICE_DONE) || "{}");
      return done && typeof done === "object" && !Array.isArray(done) ? done : {};
    } catch (error) {
      return {};
    }
  }
  function practiceRecord(claim, state) {
    const done = practiceDone();
    if (done[claim]) return; // solved stays solved; revealed stays without credit
    done[claim] = state;
    storage(PRACTICE_DONE, JSON.stringify(done));
  }
  function practiceValue(claim) {
    return [...document.querySelectorAll("[data-practice-for]")].find(function (v) {
      return v.dataset.practiceFor === claim;
    });
  }

  // What an answer's field shows at rest: a pencil, or an invitation while its answer is hidden.
  function practiceHidden(form) { // practice mode is on and this field's answer is still hidden
    const value = practiceValue(form.dataset.answerFor);
    return practiceOn() && !!value && value.dataset.practice === "hidden";
  }

  function practicePlaceholder(form) {
    const value = practiceValue(form.dataset.answerFor);
    return value && value.dataset.practice === "hidden" ? "your answer" : "✎";
  }

  function practiceForm(form) { // the "show answer" control, in the panel that opens with the field
    if (!practiceValue(form.dataset.answerFor)) return;
    const reveal = el("button", "practice-reveal", "Show the answer (no credit)");
    reveal.type = "button";
    reveal.dataset.practiceReveal = form.dataset.answerFor;
    form.querySelector(".answer-panel").append(reveal);
  }

  function practiceApply() {
    const on = practiceOn();
    const done = practiceDone();
    document.querySelectorAll("[data-practice-for]").forEach(function (value) {
      const claim = value.dataset.practiceFor;
      const state = on ? done[claim] || "hidden" : "shown";
      value.dataset.practice = state;
      let prompt = value.previousElementSibling;
      if (!prompt || !prompt.classList.contains("practice-prompt")) { // first time: a prompt before, a badge after
        prompt = el("span", "practice-prompt");
        if (value.dataset.practiceLhs) tex(prompt, "\\displaystyle " + value.dataset.practiceLhs + " = \\;?");
        value.before(prompt);
        value.after(el("span", "practice-badge", "✓ solved"));
      }
      prompt.hidden = state !== "hidden" || !value.dataset.practiceLhs;
      value.nextElementSibling.hidden = state !== "solved";
      const form = [...document.querySelectorAll("form[data-answer-for]")].find(function (f) {
        return f.dataset.answerFor === claim;
      });
      let reveal = [...document.querySelectorAll("[data-practice-reveal]")].find(function (r) {
        return r.dataset.practiceReveal === claim;
      });
      if (!reveal) { // an answer checked on the command line only: a control of its own, after its mark
        reveal = el("button", "practice-reveal", "show answer");
        reveal.type = "button";
        reveal.dataset.practiceReveal = claim;
        value.nextElementSibling.nextElementSibling.after(reveal);
      }
      reveal.hidden = state !== "hidden";
      if (form && !form.classList.contains("open")) form.elements.answer.placeholder = practicePlaceholder(form);
    });
    practiceGiveaways();
    practiceProgress();
  }

  // A passage that gives answers away (written [[giveaway ?id ...]] ... [[/giveaway]]) is hidden while any of those
  // answers is, with a short note in its place.  The engine renders a phrase as a span with data-practice-until
  // (the answers' ids); whole blocks as the elements between an empty div with data-practice-until and the next
  // div.practice-giveaway-end, its sibling.
  function practiceGiveaways() {
    document.querySelectorAll("[data-practice-until]").forEach(function (marker) {
      const hidden = marker.dataset.practiceUntil.split(" ").some(function (claim) {
        const value = practiceValue(claim);
        return value && value.dataset.practice === "hidden";
      });
      const block = marker.tagName === "DIV";
      const parts = [];
      if (block) {
        for (let n = marker.nextElementSibling; n && !n.classList.contains("practice-giveaway-end");
          n = n.nextElementSibling) parts.push(n);
      } else parts.push(marker);
      parts.forEach(function (part) { part.dataset.practiceGiveaway = hidden ? "hidden" : "shown"; });
      let note = block ? marker : marker.previousElementSibling;
      if (!note || !note.classList.contains("practice-withheld")) {
        note = block ? marker : el("span");
        note.classList.add("practice-withheld");
        note.textContent = block
          ? "(Practice mode: a passage here gives an answer away; it shows once you have answered or shown it.)"
          : "(a step that gives the answer away, hidden until you answer)";
        if (!block) marker.before(note);
      }
      note.hidden = !hidden;
    });
  }

  function practiceProgress() {
    const done = practiceDone();
    const onPage = [...document.querySelectorAll("[data-practice-for]")].map(function (v) {
      return v.dataset.practiceFor;
    });
    document.querySelectorAll("[data-practice-progress]").forEach(function (out) {
      const ids = out.dataset.practiceIds ? out.dataset.practiceIds.split(" ") : onPage;
      const solved = ids.filter(function (id) { return done[id] === "solved"; }).length;
      const revealed = ids.filter(function (id) { return done[id] === "revealed"; }).length;
      out.textContent = solved + " of " + ids.length + " answered" + (revealed ? ", " + revealed + " shown" : "");
      out.dataset.solved = solved;
      out.dataset.revealed = revealed;
      out.dataset.total = ids.length;
    });
  }

  function practiceToggle() {
    storage(PRACTICE_MODE, practiceOn() ? null : "on");
    document.querySelectorAll("[data-practice-toggle]").forEach(practiceSwitchState);
    practiceApply();
    preload();
  }
  function practiceSwitchState(button) {
    const on = practiceOn();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Practice mode: on (answers hidden)" : "Practice mode: off";
  }

  function practiceReveal(event) {
    const claim = event.target.closest("[data-practice-reveal]").dataset.practiceReveal;
    practiceRecord(claim, "revealed");
    practiceApply();
    const value = practiceValue(claim);
    if (value) value.scrollIntoView({ block: "nearest" });
  }

  function practiceVerdict(form, verdict) {
    const value = practiceValue(form.dataset.answerFor);
    if (!value || value.dataset.practice !== "hidden" || verdict !== "equivalent") return;
    practiceRecord(form.dataset.answerFor, "solved");
    practiceApply();
  }

  function practiceMount() {
    const home = document.querySelector("[data-practice-home]");
    const article = document.querySelector(".md-content__inner");
    if (!article || (!home && !document.querySelector("[data-practice-for]"))) return;
    if (!article.querySelector("[data-practice-toggle]")) {
      const bar = el("div", "practice-bar");
      bar.setAttribute("role", "group");
      bar.setAttribute("aria-label", "Practice");
      const button = el("button", "practice-toggle");
      button.type = "button";
      button.dataset.practiceToggle = "";
      button.title = "Hide the answers to the questions until you have tried them (remembered in this browser)";
      practiceSwitchState(button);
      bar.append(button);
      if (!home) {
        const progress = el("span", "practice-progress");
        progress.dataset.practiceProgress = "";
        progress.setAttribute("aria-live", "polite");
        bar.append(" ", progress);
      }
      const heading = article.querySelector("h1");
      if (home) home.before(bar);
      else if (heading) heading.after(bar);
      else article.prepend(bar);
    }
    practiceApply();
  }
  window.addEventListener("storage", function (event) { // another tab switched or answered
    if (event.key === PRACTICE_MODE || event.key === PRACTICE_DONE) {
      document.querySelectorAll("[data-practice-toggle]").forEach(practiceSwitchState);
      practiceApply();
    }
  });

  // In practice mode the reader has said they will answer: the checker starts once the page is idle, so that the
  // first answer does not wait for Pyodide (about 15 MB; sympy follows in the background).  Otherwise nothing of it
  // loads until a reader focuses a field.
  function preload() {
    if (engine || !practiceOn() || !document.querySelector("form[data-answer-for]")) return;
    const idle = window.requestIdleCallback || function (f) { return setTimeout(f, 1000); };
    idle(function () {
      try {
        startEngine();
      } catch (error) { /* the first check reports it */ }
    }, { timeout: 3000 });
  }

  // A skip link, shown when focused, right after the theme's "Skip to content": on a page with answer fields the
  // keyboard reaches the first one in three presses (Tab, Tab, Enter) instead of tabbing through the header and
  // the navigation.  The theme replaces its skip component on instant navigation: each mount puts the link back.
  const SKIP_TEXT = "Skip to the first question's answer field";
  function skipLink() {
    const first = document.querySelector(".md-content form[data-answer-for] input");
    let link = document.querySelector("a.skip-to-answer");
    if (!first) {
      if (link) link.remove();
      return;
    }
    if (!link) {
      link = el("a", "md-skip skip-to-answer", SKIP_TEXT);
      link.href = "#";
      const skip = document.querySelector('[data-md-component="skip"]');
      if (skip) skip.append(link);
      else document.body.prepend(link);
    }
  }
  // Caught before the theme sees it (its instant navigation takes over clicks on links, and the focus with them).
  window.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.skip-to-answer");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const first = document.querySelector(".md-content form[data-answer-for] input");
    if (!first) return;
    first.scrollIntoView({ block: "center" });
    first.focus({ preventScroll: true });
  }, true);

  function mountAll() { mount(); practiceMount(); preload(); skipLink(); }
  Object.defineProperty(window, "answerCheckMount", { value: mountAll }); // see the top: a later run only mounts
  if (typeof document$ !== "undefined") document$.subscribe(mountAll);
  else mountAll();
})();
