"""Accessibility checks run on every page state a browser test reaches (test support, not a test).

The ``new_page`` fixture (tongxin/conftest.py) attaches :class:`PageChecks` to each browser
context. Two init scripts go into every document before its own scripts: the vendored
axe-core (init scripts are not subject to the page's CSP, and no page ever loads axe
itself) and :data:`CHECKER`, which checks the page when it has loaded and after every htmx
swap (``htmx:afterSettle``):

- axe-core with the WCAG 2.1 A and AA rules, on every viewport;
- on a phone-sized viewport (narrower than 600 CSS px): every control at least 44×44 CSS px
  (checkboxes and radios at least 24 px, in label rows of at least 44 px), no text under
  14 px (18 px in the 长辈版, ``<html class="elder">``), no ``aria-describedby`` naming a
  missing id, and no sideways scrolling with the text at 200 %;
- in the 长辈版, the main actions (filled buttons) at a contrast of at least 7:1.

A check runs in one go: axe defers its work with ``setTimeout(…, 0)``, which the check turns
into microtasks while it runs, so no click or navigation of the test can come between the
state and its check. The problems reach Python through a binding; the fixture fails the test
at teardown with the list, each line labelled with the page's URL.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PHONE_WIDTH = 600  # narrower than this is a phone: the size measures apply
BINDING = "__tongxinPageChecksReport"

# Controls under 44×44 CSS px and text under the minimum. A link inside running text (its
# parent holds words of its own) is exempt from the target size, as WCAG 2.5.5 says.
MEASURE = """(minText) => {
  const problems = [];
  const shown = el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + " «" + (el.innerText || el.value || el.name || el.outerHTML).trim().slice(0, 30) + "»";
  const inText = el => [...el.parentElement.childNodes].some(
    n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  for (const el of document.querySelectorAll(
      "a[href], button, input:not([type=hidden]), select, textarea, summary")) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      if (box.width < 24 || box.height < 24) problems.push("small box " + Math.round(box.width) + "px: " + name(el));
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      const row = label && label.contains(el) ? label : el.parentElement;
      if (row.getBoundingClientRect().height < 43.5) problems.push("low label row: " + name(el));
      continue;
    }
    if (el.tagName === "A" && inText(el)) continue;
    if (box.width < 43.5 || box.height < 43.5) {
      problems.push("small control " + Math.round(box.width) + "×" + Math.round(box.height) + ": " + name(el));
    }
  }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push("aria-describedby names a missing #" + id + ": " + name(el));
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el) || !shown(el)) continue;
    seen.add(el);
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < minText) problems.push("small text " + size + "px: " + name(el));
  }
  return problems;
}"""

# How far the page scrolls sideways with its text at 200 %: the root font size doubled and
# restored in one synchronous block (layout is read in between; nothing is painted).
OVERFLOW_AT_200 = """() => {
  const root = document.documentElement;
  const hadStyle = root.hasAttribute("style"), before = root.style.getPropertyValue("font-size"),
    priority = root.style.getPropertyPriority("font-size");
  root.style.setProperty("font-size", 2 * parseFloat(getComputedStyle(root).fontSize) + "px", "important");
  const overflow = root.scrollWidth - root.clientWidth;
  if (before) root.style.setProperty("font-size", before, priority); else root.style.removeProperty("font-size");
  if (!hadStyle) root.removeAttribute("style");
  return overflow;
}"""

# The main actions (the filled buttons) against their own background, WCAG's contrast ratio.
MAIN_ACTIONS_CONTRAST = """() => {
  const luminance = color => {
    const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(Number).map(c => c / 255)
      .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll("button:not(.secondary, .link), a.button:not(.secondary)")]
    .filter(el => el.getBoundingClientRect().width > 0
      && getComputedStyle(el).backgroundColor !== "rgba(0, 0, 0, 0)")  // filled ones only
    .map(el => {
      const style = getComputedStyle(el);
      const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort((x, y) => y - x);
      return [el.innerText.trim(), Math.round((a + 0.05) / (b + 0.05) * 100) / 100];
    });
}"""

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

CHECKER = """(() => {
  if (window !== window.top || window.__tongxinPageChecks) return;
  const measure = %(measure)s;
  const overflowAt200 = %(overflow)s;
  const contrast = %(contrast)s;
  const tags = %(tags)s;
  const state = {running: 0, checked: 0};

  async function check(reason) {
    const problems = [], started = performance.now();
    const realSetTimeout = window.setTimeout;
    // axe defers with setTimeout(…, 0): as microtasks the whole check is one task.
    window.setTimeout = function (fn, delay, ...args) {
      if (!delay && typeof fn === "function") { queueMicrotask(() => fn(...args)); return 0; }
      return realSetTimeout.apply(window, arguments);
    };
    state.running++;
    const url = location.href, phone = window.innerWidth < %(phone)d,
      elder = document.documentElement.classList.contains("elder");
    try {
      if (phone) {
        problems.push(...measure(elder ? 18 : 14));
        const overflow = overflowAt200();
        if (overflow > 0) problems.push("scrolls sideways by " + overflow + "px at 200 %% text");
      }
      if (elder) {
        for (const [text, ratio] of contrast()) {
          if (ratio < 7) problems.push("main action «" + text + "» at " + ratio + ":1, under 7:1");
        }
      }
      const result = await axe.run(document, {preload: false, runOnly: {type: "tag", values: tags}});
      problems.push(...result.violations.map(v => "axe " + v.id + " (" + v.impact + "): "
        + v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " + n.failureSummary.replace(/\\s+/g, " "))
          .join(" | ")));
    } catch (error) {
      problems.push("the check failed: " + error);
    } finally {
      window.setTimeout = realSetTimeout;
      state.running--;
      state.checked++;
    }
    const view = (phone ? "phone" : "desktop") + (elder ? " 长辈版" : "");
    window.%(binding)s({url, reason, view, problems, ms: performance.now() - started});
    return problems;
  }

  let queued = null;
  const schedule = reason => {  // several settles of one swap make one state
    if (queued) return;
    queued = reason;
    queueMicrotask(() => { const why = queued; queued = null; check(why); });
  };
  window.__tongxinPageChecks = {check, state};
  window.addEventListener("load", () => schedule("load"));
  window.addEventListener("htmx:afterSettle", () => schedule("htmx swap"));
})();""" % {
    "measure": MEASURE, "overflow": OVERFLOW_AT_200, "contrast": MAIN_ACTIONS_CONTRAST,
    "tags": str(WCAG_21_AA).replace("'", '"'), "phone": PHONE_WIDTH, "binding": BINDING,
}


class PageChecks:
    """Collect the problems the checker reports from the pages of a test's browser contexts."""

    def __init__(self):
        self.problems = []  # "URL (view, reason): problem", in the order found
        self.states = 0  # page states checked
        self.seconds = 0.0  # the time the checks took in the pages
        self.contexts = []

    def attach(self, context):
        self.contexts.append(context)
        context.add_init_script(path=str(AXE))
        context.add_init_script(script=CHECKER)
        context.expose_binding(BINDING, self._report)

    def _report(self, _source, report):
        self.states += 1
        self.seconds += report["ms"] / 1000
        label = f"{report['url']} ({report['view']}, {report['reason']})"
        self.problems += [f"{label}: {problem}" for problem in report["problems"]]

    def check_now(self, page, reason="checked by the test"):
        """Check the page as it stands (a state no load or swap announces, e.g. opened details)."""
        return page.evaluate("reason => window.__tongxinPageChecks.check(reason)", reason)

    def settle(self, pages=None):
        """Let the open pages' reports reach Python (a check is never left half-run)."""
        if pages is None:
            pages = [page for context in self.contexts for page in context.pages]
        for page in pages:
            if page.is_closed():
                continue
            try:
                page.evaluate("() => window.__tongxinPageChecks && window.__tongxinPageChecks.state.running")
            except Exception:  # a page that is navigating or gone has nothing pending
                pass

    def take(self):
        """Return the problems found so far, and forget them."""
        found, self.problems = list(dict.fromkeys(self.problems)), []
        return found

    def verdict(self):
        """Raise AssertionError listing every problem found (and forget them)."""
        self.settle()
        found = self.take()
        assert not found, (f"{len(found)} accessibility problem(s) on the pages of this test:\n"
                           + "\n".join(found))
