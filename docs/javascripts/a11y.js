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

  // A table wider than its column (on a phone, most tables of several columns; on a wide screen, Part II's eight
  // triplets) is read row by row instead of scrolled sideways: each row becomes a block, and each cell after the
  // first gets a copy of its column's heading as a label (aria-hidden: the table keeps its roles, so a screen reader
  // still announces the real headings, which stay in the page, visually hidden).  A table only a little too wide
  // first gets tighter cells; one that fits again (a wider window) is put back.  A table of one column has nothing
  // to label.
  const NARROW_BELOW = 720; // px of window width: a phone's, where a displayed claim's mark may go under it
  function label(th) {
    const span = document.createElement("span");
    span.className = "stack-label";
    span.setAttribute("aria-hidden", "true");
    th.childNodes.forEach(function (n) { span.append(n.cloneNode(true)); });
    span.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
    span.querySelectorAll("a, form, button, input").forEach(function (e) { e.replaceWith(...e.childNodes); });
    return span;
  }
  const ROLES = { TABLE: "table", THEAD: "rowgroup", TBODY: "rowgroup", TR: "row", TH: "columnheader", TD: "cell" };
  function parts(table) { // the table and its elements that a stacked layout gives their roles back
    return [table].concat(Array.prototype.slice.call(table.querySelectorAll("thead, tbody, tr, th, td")));
  }
  function stack(table) {
    const heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    const signature = heads.map(function (th) { return th.innerHTML; }).join("\u0000");
    if (table.dataset.stacked && table.stackSignature === signature) return;
    unstack(table);
    // What overflowed: the wrapper's width, not the table's (an absolutely placed part may be wider; comparing
    // the table's would put it back at once, and stack it again, without end).
    table.dataset.natural = String(table.closest(".md-typeset__scrollwrap").scrollWidth);
    parts(table).forEach(function (e) { if (!e.hasAttribute("role")) e.setAttribute("role", ROLES[e.tagName]); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.cells, function (td, i) {
        if (i > 0 && heads[i] && heads[i].textContent.trim()) td.prepend(label(heads[i]));
      });
    });
    table.stackSignature = signature;
    // Rows named by a few characters ($L^1$, a sample's name) keep the name on the line of their first cells.
    const names = Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (tr) {
      return tr.cells.length ? tr.cells[0].textContent.trim().length : 0;
    });
    table.dataset.stacked = Math.max.apply(null, names.concat([0])) <= 12 ? "short" : "yes";
  }
  function unstack(table) {
    if (!table.dataset.stacked) return;
    table.querySelectorAll(".stack-label").forEach(function (e) { e.remove(); });
    parts(table).forEach(function (e) { e.removeAttribute("role"); });
    delete table.dataset.stacked;
    delete table.dataset.natural;
  }
  // A table also grows without any change to the page's elements (KaTeX's fonts arriving): watched for its size.
  const sized = "ResizeObserver" in window ? new ResizeObserver(function () { later(); }) : null;
  const watched = new WeakSet();
  function stackTables() {
    document.querySelectorAll(".md-content .md-typeset__scrollwrap table").forEach(function (table) {
      const wrap = table.closest(".md-typeset__scrollwrap");
      // While a reader answers in it (an open field is wider), the table keeps its layout: it must not jump.
      if (table.querySelector("form.answer-check.open")) return;
      if (sized && !watched.has(table)) {
        watched.add(table);
        sized.observe(table);
      }
      if (!wrap.clientWidth) return; // not shown (a closed box): measured when it opens
      const columns = table.querySelectorAll("thead th").length;
      if (table.dataset.stacked) {
        if (Number(table.dataset.natural) <= wrap.clientWidth) unstack(table);
        else stack(table); // labels again if the headings changed (KaTeX typeset them after the first pass)
      } else if (columns > 1 && wrap.scrollWidth > wrap.clientWidth + 1) {
        // Only a little too wide: tighter cells may do (reading the width again lays the table out at once).
        if (!table.dataset.tight) {
          table.dataset.tight = "yes";
          if (wrap.scrollWidth <= wrap.clientWidth + 1) return;
          delete table.dataset.tight;
        }
        stack(table);
      }
    });
  }

  // On a phone a displayed claim's mark (and field) goes under its equation, a line of its own; an equation narrow
  // enough keeps them beside it, as on a wide screen (claims.css), where they cannot cover it.
  function markBeside() {
    const narrow = window.innerWidth < NARROW_BELOW;
    document.querySelectorAll(".md-content .claim-display").forEach(function (d) {
      const mark = d.querySelector(":scope > p:has(> .claim-mark)");
      const parts = d.querySelectorAll(".katex-display .katex-html > .base");
      if (!narrow || !mark || !parts.length) {
        d.removeAttribute("data-mark-beside");
        return;
      }
      let left = Infinity, right = -Infinity;
      parts.forEach(function (b) {
        const r = b.getBoundingClientRect();
        left = Math.min(left, r.left);
        right = Math.max(right, r.right);
      });
      const range = document.createRange(); // the mark's and the field's own width, not their line's
      range.selectNodeContents(mark);
      const fits = (right - left) + 2 * (range.getBoundingClientRect().width + 12) <= d.clientWidth;
      if (fits) d.setAttribute("data-mark-beside", "");
      else d.removeAttribute("data-mark-beside");
    });
  }

  function scan() {
    stackTables();
    markBeside();
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
  // The page says when the last scan ran after the last change (data-a11y-scan: "pending", then "done"): tests wait
  // for it before they measure.
  function later() {
    clearTimeout(timer);
    document.documentElement.dataset.a11yScan = "pending";
    timer = setTimeout(function () {
      scan();
      document.documentElement.dataset.a11yScan = "done";
    }, 150);
  }
  Object.defineProperty(window, "a11yScrollScan", { value: later });
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true); // a box opened: the tables in it can be measured now
  new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  if (typeof document$ !== "undefined") document$.subscribe(later);
  later();
})();
