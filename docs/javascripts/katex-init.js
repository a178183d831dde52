// Render the site's math with the self-hosted KaTeX.
// Material's instant navigation swaps pages without a reload, so this runs on
// every page change (document$), not only once on load.  It covers Markdown
// pages (pymdownx.arithmatex wraps math in .arithmatex) and notebook pages
// (mkdocs-jupyter leaves $...$ as text in .jupyter-wrapper).
(function () {
  "use strict";
  // Instant navigation runs this file again on every page; the first run's subscription already renders each
  // page, and a second one would render everything once more per page visited.
  if (window.katexInitDone) return;
  Object.defineProperty(window, "katexInitDone", { value: true });
  const options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    throwOnError: false,
    output: "htmlAndMathml", // MathML for screen readers, HTML for the eye
    ignoredClasses: ["highlight", "highlight-ipynb"],
  };
  function renderAll(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, options);
    });
    root.querySelectorAll(".jupyter-wrapper .jp-MarkdownOutput, .jupyter-wrapper .jp-RenderedMarkdown").forEach(function (el) {
      renderMathInElement(el, options);
    });
    document.documentElement.dataset.mathRendered = "true";
    performance.mark("math-rendered"); // for scripts/bench_site.py and anyone measuring
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { renderAll(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  }
})();
