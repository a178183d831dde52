// The in-page answer checker's worker: the site's claim engine on Pyodide, everything from this site.
//
// Loaded by answer-check.js when a reader first opens a checker (or, in practice mode, once the page is idle).
// It loads Pyodide (assets/pyodide/, fetched and checked by `make env`), puts the engine's own modules
// (assets/answers/engine.zip, written by the build) and then the precompiled sympy and mpmath on Python's path
// as zips, reads the build's catalog of claims (assets/answers/claims.json: each claim's truth as
// a tree of sympy constructors, parsed, never evaluated) and answers {n, claim, text} messages
// with the engine's verdict.  The page enforces the time limit by terminating this worker.
"use strict";
const ROOT = new URL("../", self.location.href); // this file is <site>/javascripts/answer-worker.js
importScripts(new URL("assets/pyodide/pyodide.js", ROOT).href);

function fetchBytes(path) {
  return fetch(new URL(path, ROOT)).then(function (response) {
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.arrayBuffer();
  });
}

const timings = {}; // milliseconds since the worker started, for the page's figures (scripts/measure_checker.py)
// The core: Pyodide, the engine and the catalog.  Numbers (integer and decimal claims) are judged with this alone;
// sympy and mpmath (8.9 MB, and seconds to import) load after it, in the background, or first where a check needs
// them (a formula; a matrix formula, whose parser shares the formula parser's module).
const booted = (async function () {
  const [py, engine, catalog] = await Promise.all([
    loadPyodide({ indexURL: new URL("assets/pyodide/", ROOT).href }).then(function (py) {
      timings.pyodide = performance.now();
      return py;
    }),
    fetchBytes("assets/answers/engine.zip"),
    fetchBytes("assets/answers/claims.json").then(function (b) { return new TextDecoder().decode(b); }),
  ]);
  py.FS.writeFile("/home/pyodide/engine.zip", new Uint8Array(engine));
  py.runPython('import sys; sys.path[:0] = ["/home/pyodide/engine.zip"]');
  timings.files = performance.now();
  const data = JSON.parse(catalog);
  const module = data.module; // the engine's answers module, named by the build
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\.answers$/.test(module)) {
    throw new Error("the catalog names no answers module");
  }
  const kinds = {}; // claim id -> its kind's name, to know which checks need sympy
  Object.keys(data.claims || {}).forEach(function (id) {
    kinds[id] = data.claims[id] && data.claims[id].kind ? data.claims[id].kind.name : "";
  });
  const answers = py.pyimport(module);
  timings.imported = performance.now();
  const loaded = answers.Catalog.from_json(catalog);
  timings.ready = performance.now();
  return { py: py, answers: answers, catalog: loaded, kinds: kinds };
})();
const NUMBERS = { integer: true, decimal: true }; // kinds judged without sympy (answers.from_tree: plain numbers)

let symbolic = null; // sympy and mpmath on Python's path: fetched once, when first needed or after the core
function loadSymbolic() {
  if (!symbolic) {
    symbolic = Promise.all([booted, fetchBytes("assets/pyodide/sympy-mpmath.zip")]).then(function ([engine, libs]) {
      engine.py.FS.writeFile("/home/pyodide/sympy-mpmath.zip", new Uint8Array(libs));
      engine.py.runPython('import sys; sys.path.append("/home/pyodide/sympy-mpmath.zip")');
      timings.sympy = performance.now();
      return engine;
    });
  }
  return symbolic;
}

// The parser's first formula costs seconds on Pyodide (importing sympy, its first steps); a number needs none of
// it.  So the worker says it is ready without it, and loads and warms sympy only once the page asks ({prepare:
// "symbolic"}: a reader opened a formula's field), while the reader types; a check that arrives first goes first.
// Warming up unasked would keep the worker busy for seconds just when a reader who answered a number moves on to
// the next page and answers there.
let warmed = false;
let busy = 0;
function warmLater(engine) {
  setTimeout(function () {
    if (warmed) return;
    if (busy) return warmLater(engine);
    loadSymbolic().then(function () {
      if (warmed) return;
      if (busy) return warmLater(engine);
      warmed = true;
      try {
        engine.answers.warm();
        timings.warm = performance.now();
      } catch (error) { // only a head start: the check that needs the parser reports what is wrong with it
        timings.warm = -1;
      }
      postMessage({ type: "warm", timings: timings, requests: requests() });
    }, function () { timings.warm = -1; });
  }, 200);
}

// What this worker fetched (the page's own timing cannot see a worker's requests): for tests and figures.
function requests() {
  return performance.getEntriesByType("resource").map(function (e) { return e.name; });
}

booted.then(
  function () {
    postMessage({ type: "ready", timings: timings, requests: requests() });
  },
  function (error) { postMessage({ type: "error", message: lastLine(error) }); },
);

// A Python error's message is its whole traceback: a reader sees its last line only.
function lastLine(error) {
  const lines = String((error && error.message) || error).trim().split("\n");
  return lines[lines.length - 1];
}

self.onmessage = async function (event) {
  if (event.data.prepare === "symbolic") { // fetch sympy now; import and warm it once the core is up
    loadSymbolic();
    booted.then(warmLater, function () {});
    return;
  }
  const { n, claim, text } = event.data;
  busy += 1;
  try {
    let engine = await booted;
    if (!NUMBERS[engine.kinds[claim]]) engine = await loadSymbolic();
    postMessage({ type: "verdict", n: n, result: JSON.parse(engine.catalog.check_json(claim, text)) });
  } catch (error) {
    postMessage({ type: "error", n: n, message: lastLine(error) });
  } finally {
    busy -= 1;
  }
};
