// Keyboard access to what scrolls: a code block, a table, an equation or a notebook output that is wider than the
// page scrolls sideways, and a region that scrolls must be reachable by the keyboard (WCAG 2.1.1; axe-core's
// "scrollable-region-focusable").  Each such element that really overflows gets tabindex="0" and a name saying what
// it is; one that no longer overflows (a wider window) loses them.  Runs on every page, on resizing, and when the
// page's content changes (instant navigation, a checker's verdict).
(function () {
  "use strict";
  // Instant navigation runs this file again on every page: the first run's listeners already cover the new page.
  if (window.a11yScrollScan) {
    window.a11yScrollScan();
    return;
  }
  const CANDIDATES = [
    "pre > code", ".md-typeset__scrollwrap", ".arithmatex", ".highlight-ipynb", ".jp-OutputArea-output",
    ".answer-panel > span", ".answer-error", ".claim-figure", ".katex-display",
  ].map(function (s) { return ".md-content " + s; }).join(", ");
  const NAMES = { CODE: "code, scrolls sideways", DIV: "scrolls sideways", SPAN: "scrolls sideways" };

  function scrolls(el) {
    if (el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1) return false;
    const style = getComputedStyle(el);
    return /auto|scroll/.test(style.overflowX + " " + style.overflowY);
  }

  // An inline formula that runs past its paragraph's edge (KaTeX breaks a formula only at its top-level operators).
  function markWide() {
    document.querySelectorAll(".md-content span.arithmatex").forEach(function (el) {
      if (el.classList.contains("arithmatex-wide") || el.closest("td, th")) return; // a table scrolls as a whole
      const block = el.parentElement.closest("p, li, dd, figcaption, blockquote, div");
      if (!block) return;
      const edge = block.getBoundingClientRect();
      const wide = Array.prototype.some.call(el.getClientRects(), function (r) {
        return r.right > edge.right + 1 || r.left < edge.left - 1;
      });
      if (wide) el.classList.add("arithmatex-wide");
    });
  }

  function scan() {
    markWide();
    document.querySelectorAll(CANDIDATES).forEach(function (el) {
      const marked = el.hasAttribute("data-scroll-focus");
      if (scrolls(el)) {
        if (marked || el.hasAttribute("tabindex")) return;
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("role")) {
          el.setAttribute("data-scroll-focus", "named"); // the name is ours: it goes when the scrolling does
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", el.matches(".md-typeset__scrollwrap") ? "table, scrolls sideways" :
            el.matches(".arithmatex, .katex-display") ? "equation, scrolls sideways" : NAMES[el.tagName] || "scrolls");
        }
      } else if (marked) {
        const ours = el.getAttribute("data-scroll-focus") === "named" ? ["role", "aria-label"] : [];
        ["tabindex", "data-scroll-focus"].concat(ours).forEach(function (a) { el.removeAttribute(a); });
      }
    });
  }

  let timer = 0;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(scan, 150);
  }
  Object.defineProperty(window, "a11yScrollScan", { value: later });
  window.addEventListener("resize", later);
  new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  if (typeof document$ !== "undefined") document$.subscribe(later);
  later();
})();
