"""Elderly-friendly pages (适老化), measured in a real headless Chromium on the demo district.

Every main page state of each role, on a phone and on a desktop, is run through axe-core
(vendored under core/static/vendor, injected by the test only: no page loads it) with
the WCAG 2.1 A and AA rules. On the phone the same walk also measures what axe does not:
every control at least 44×44 CSS px (checkboxes and radios at least 24 px, in label rows
of at least 44 px), no text under 14 px, and no sideways scrolling at 200 % text.
"""

import pytest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from tongxin.conftest import PASSWORD, build_world, screenshot
from tongxin.demo.builder import build_demo_district
from tongxin.demo.logins import DEMO_PASSWORD
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Status
from tongxin.matters.models import Matter
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.rules import is_staff_member
from tongxin.people.services import set_elder_mode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "vendor/axe-core-4.14.1/axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => v.id + " (" + v.impact + "): "
    + v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " + n.failureSummary.replace(/\\s+/g, " "))
      .join(" | "));
}"""

# Controls under 44×44 CSS px and text under 14 px. A link inside running text (its
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

OVERFLOW = """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""

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


def set_default_font_size(page, pixels):
    """Set Chromium's default font size, as a person does in the browser's or phone's settings."""
    session = page.context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": {"standard": pixels, "fixed": pixels}})
    return session


def sign_in(page, base_url, username, password=DEMO_PASSWORD):
    page.goto(f"{base_url}/people/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def check_state(page, label, problems, *, phone, elder=False):
    """Run axe and, on a phone, the size and overflow measures on the page as it stands.

    In elder mode (长辈版) text must be 18 px and up, and the main actions reach 7:1.
    """
    # By URL, from the app's own static files: the pages' CSP forbids inline scripts.
    page.add_script_tag(url=static(AXE))
    problems += [f"{label}: axe {v}" for v in page.evaluate(RUN_AXE, WCAG_21_AA)]
    if elder:
        if page.get_attribute("html", "class") != "elder":
            problems.append(f"{label}: not in elder mode")
        problems += [f"{label}: main action «{text}» at {ratio}:1, under 7:1"
                     for text, ratio in page.evaluate(MAIN_ACTIONS_CONTRAST) if ratio < 7]
    if not phone:
        return
    problems += [f"{label}: {p}" for p in page.evaluate(MEASURE, 18 if elder else 14)]
    session = set_default_font_size(page, 32)  # 200 % of the 16 px default
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        problems.append(f"{label}: scrolls sideways by {overflow}px at 200 % text")
    session.send("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})
    session.detach()


def visit(page, url, label, problems, *, phone, elder=False, open_actions=False):
    page.goto(url)
    page.wait_for_load_state("load")
    if open_actions:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    check_state(page, label, problems, phone=phone, elder=elder)


def test_the_text_follows_the_font_size_set_in_the_browser(live_server, new_page):
    page = new_page()
    set_default_font_size(page, 24)
    page.goto(f"{live_server.url}/people/login/")
    sizes = page.evaluate("""() => Object.fromEntries(["body", "label", "input", "button", "h1", ".footer"]
      .map(s => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)]))""")
    assert sizes["body"] == sizes["label"] == sizes["input"] == sizes["button"] == 24, sizes
    assert sizes["h1"] > 24 and sizes[".footer"] >= 21, sizes


def test_a_refused_raise_form_moves_the_focus_to_an_alert_naming_each_field(
        live_server, new_page):
    world = build_world()
    seed_categories(world.district)
    page = new_page()
    sign_in(page, live_server.url, "resident", PASSWORD)
    page.goto(f"{live_server.url}{reverse('matters:raise')}")
    page.fill("textarea[name=description]", "晚上消防通道被电动车堵住")
    page.evaluate("() => document.querySelector('form[data-raise-form]').noValidate = true")
    page.click("form[data-raise-form] button[type=submit]")
    page.wait_for_load_state("load")

    focused = page.evaluate("""() => ({id: document.activeElement.id,
      role: document.activeElement.getAttribute("role"), text: document.activeElement.innerText,
      links: [...document.activeElement.querySelectorAll("a")].map(a => a.hash)})""")
    assert focused["id"] == "error-summary" and focused["role"] == "alert", focused
    assert "标题" in focused["text"] and "类别" in focused["text"], focused
    assert focused["links"] == ["#id_title", "#id_category"], focused
    with translation.override("zh-hans"):  # 错误： once the catalogue has it
        prefix = pgettext("prefix of the page title when something was refused", "Error: ")
    assert page.title().startswith(prefix)
    assert page.get_attribute("#id_title", "aria-invalid") == "true"


def test_a_refused_sign_in_moves_the_focus_to_the_alert(live_server, new_page):
    build_world()
    page = new_page()
    sign_in(page, live_server.url, "resident", "not-the-password")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "alert"
    assert page.get_attribute("input[name=username]", "aria-invalid") == "true"
    assert page.get_attribute("input[name=password]", "aria-invalid") == "true"


FOCUSED = """() => { const el = document.activeElement, style = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, href: el.getAttribute("href"), text: el.innerText,
          lang: el.getAttribute("lang"), current: el.getAttribute("aria-current"),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)}; }"""


def test_the_first_tab_reaches_a_skip_link_that_leads_past_the_menu(live_server, new_page):
    build_world()
    page = new_page()
    sign_in(page, live_server.url, "grid_worker", PASSWORD)
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["href"] == "#main" and skip["text"], skip
    assert skip["outline"] == "solid" and skip["width"] >= 3, skip  # a strong focus ring
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["id"] == "main"
    page.keyboard.press("Tab")  # the next stop is in the content, not the menu
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_the_focus_stays_on_the_language_buttons_after_the_switch(live_server, new_page):
    build_world()
    page = new_page()
    sign_in(page, live_server.url, "grid_worker", PASSWORD)
    page.focus("footer button[value=en]")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    focused = page.evaluate(FOCUSED)
    assert focused["lang"] == "en" and focused["current"] == "true", focused
    assert focused["outline"] == "solid" and focused["width"] >= 3, focused


def test_a_resident_turns_on_the_elder_mode_and_it_is_remembered(live_server, new_page):
    world = build_world()
    page = new_page()
    sign_in(page, live_server.url, "resident", PASSWORD)
    switch = page.locator("footer .elder-switch button")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    page.wait_for_load_state("load")

    assert page.get_attribute("html", "class") == "elder"
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == 18
    assert page.locator("footer .elder-switch button").get_attribute("aria-pressed") == "true"
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "BUTTON" and "elder" in page.evaluate(
        "() => document.activeElement.closest('form').className"), focused
    world.resident.refresh_from_db()
    assert world.resident.elder_mode

    again = new_page()  # another phone, another day
    sign_in(again, live_server.url, "resident", PASSWORD)
    assert again.get_attribute("html", "class") == "elder"
    again.locator("footer .elder-switch button").click()
    again.wait_for_load_state("load")
    assert again.get_attribute("html", "class") is None


def test_the_elder_mode_keeps_only_the_main_menu_items(live_server, new_page):
    world = build_world()
    worker = world.by_role[Role.GRID_WORKER]
    page = new_page()
    sign_in(page, live_server.url, worker.username, PASSWORD)
    full = page.locator(".mainnav a:visible").all_inner_texts()
    set_elder_mode(worker, True)
    page.reload()
    short = page.locator(".mainnav a:visible").all_inner_texts()
    assert short == ["首页", "待办"] and len(full) > len(short), (full, short)


def test_the_checks_catch_what_they_look_for(live_server, new_page):
    """The walk below passes because the pages are right, not because the checks are blind."""
    page = new_page()
    page.goto(f"{live_server.url}/people/login/")
    page.evaluate("""() => {  // styles through the CSSOM: the CSP forbids style attributes
      const main = document.querySelector("main");
      const add = (html, style) => {
        main.insertAdjacentHTML("beforeend", html);
        Object.assign(main.lastElementChild.style, style || {});
      };
      add("<p>小字</p>", {fontSize: "12px"});
      add("<button>x</button>", {padding: 0, minHeight: 0, minWidth: 0});
      add('<img src="/static/none.png">');
      add('<input aria-describedby="nowhere" aria-label="x">');
      add("<div>宽</div>", {width: "40rem"});
    }""")
    problems = []
    check_state(page, "broken", problems, phone=True)
    found = "\n".join(problems)
    for expected in ("axe image-alt", "small text 12px", "small control", "missing #nowhere",
                     "scrolls sideways"):
        assert expected in found, found


def test_every_page_state_passes_axe_and_the_size_measures(live_server, new_page):
    build_demo_district()
    base = live_server.url
    resident = Person.objects.get(username="resident")
    own = Matter.objects.filter(reporter=resident).order_by("pk").first()
    grid = Person.objects.get(username="grid")
    heard = (Matter.objects.visible_to(grid).filter(status=Status.NEW).order_by("pk").first()
             or Matter.objects.visible_to(grid).order_by("pk").first())
    problems = []
    for elder in (False, True):
        for person in (resident, grid):
            set_elder_mode(person, elder)
        for viewport in (PHONE, DESKTOP):
            phone = viewport is PHONE
            size = ("phone" if phone else "desktop") + (" elder" if elder else "")
            kw = {"phone": phone, "elder": elder}

            if not elder:
                page = new_page(viewport=viewport)
                visit(page, f"{base}/people/login/", f"{size} sign-in", problems, phone=phone)
                sign_in(page, base, "resident", "not-the-password")
                check_state(page, f"{size} sign-in refused", problems, phone=phone)

            page = new_page(viewport=viewport)
            sign_in(page, base, "resident")
            check_state(page, f"{size} resident home", problems, **kw)
            visit(page, f"{base}{reverse('matters:raise')}", f"{size} raise", problems, **kw)
            page.evaluate("() => document.querySelector('form[data-raise-form]').noValidate = true")
            page.click("form[data-raise-form] button[type=submit]")
            page.wait_for_load_state("load")
            check_state(page, f"{size} raise refused", problems, **kw)
            if phone:
                screenshot(page, "a11y-raise-refused" + ("-elder" if elder else ""))
            visit(page, f"{base}{reverse('matters:mine')}", f"{size} my matters", problems, **kw)
            visit(page, f"{base}{reverse('matters:detail', args=[own.pk])}",
                  f"{size} resident matter", problems, **kw)
            visit(page, f"{base}{reverse('notices:inbox')}", f"{size} resident notices",
                  problems, **kw)

            page = new_page(viewport=viewport)
            sign_in(page, base, "grid")
            check_state(page, f"{size} grid home", problems, **kw)
            visit(page, f"{base}{reverse('matters:inbox')}", f"{size} grid inbox", problems, **kw)
            visit(page, f"{base}{reverse('matters:detail', args=[heard.pk])}",
                  f"{size} grid matter", problems, open_actions=True, **kw)
            if phone:
                screenshot(page, "a11y-grid-matter" + ("-elder" if elder else ""))

            if not elder:
                page = new_page(viewport=viewport)
                sign_in(page, base, "street")
                visit(page, f"{base}{reverse('matters:list')}", f"{size} street list", problems,
                      phone=phone)
    problems = list(dict.fromkeys(problems))  # one line per element and page state
    assert not problems, "\n".join(problems)


# The main list or board of a role, the first of these the person may open.
MAIN_PAGES = (
    ("matters.view_inbox", "matters:inbox", "inbox"),
    ("matters.list_matters", "matters:list", "matters"),
    ("matters.inspect_results", "matters:boards", "boards"),
    ("places.browse_places", "places:list", "places"),
)
DESKTOP_TOO = ("district", "admin")  # the widest pages, once on a desktop


def main_page(person):
    """Return the URL and name of the person's main list or board: their own matters for a resident."""
    if not is_staff_member(person):
        return reverse("matters:mine"), "my matters"
    for perm, url_name, label in MAIN_PAGES:
        if person.has_perm(perm):
            return reverse(url_name), label
    return None, None


def test_every_role_home_and_main_page_pass_axe_and_the_size_measures(live_server, new_page):
    """Each demo login: its home page and its main list or board, on a phone in the normal view
    and the 长辈版 (a few also on a desktop)."""
    from tongxin.demo.logins import DEMO_LOGINS

    build_demo_district()
    base = live_server.url
    problems, missing = [], []
    for login in DEMO_LOGINS:
        person = Person.objects.get(username=login.username)
        url, label = main_page(person)
        if url is None:
            missing.append(login.username)
        viewports = (PHONE, DESKTOP) if login.username in DESKTOP_TOO else (PHONE,)
        for viewport in viewports:
            phone = viewport is PHONE
            size = "phone" if phone else "desktop"
            page = new_page(viewport=viewport)  # one browser context per role and screen
            sign_in(page, base, login.username)
            assert page.url.rstrip("/") != f"{base}/people/login", login.username
            check_state(page, f"{size} {login.username} home", problems, phone=phone)
            if url:
                visit(page, f"{base}{url}", f"{size} {login.username} {label}", problems,
                      phone=phone)
            if phone:  # and the same two pages in the 长辈版, in the same browser context
                set_elder_mode(person, True)
                visit(page, f"{base}/", f"{size} elder {login.username} home", problems,
                      phone=phone, elder=True)
                if url:
                    visit(page, f"{base}{url}", f"{size} elder {login.username} {label}",
                          problems, phone=phone, elder=True)
                set_elder_mode(person, False)
            page.context.close()
    problems = list(dict.fromkeys(problems)) + [f"{name}: no main page" for name in missing]
    assert not problems, "\n".join(problems)


def test_an_older_resident_takes_the_offered_elder_mode_and_gets_one_action_per_row(
        live_server, new_page):
    """On a phone: the offer on the first home page, then the 长辈版 home of big buttons."""
    from tongxin.people.validators import id_check_digit

    world = build_world()
    first17 = "11010519500301002"
    world.resident.id_number = first17 + id_check_digit(first17)
    world.resident.save(update_fields=["id_number"])
    seed_categories(world.district)
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.url, "resident", PASSWORD)

    offer = page.locator("[data-elder-offer]")
    assert offer.is_visible()
    problems = []
    check_state(page, "phone elder offer", problems, phone=True)
    widths = offer.locator("button").evaluate_all("bs => bs.map(b => b.getBoundingClientRect())"
                                                  ".map(r => [r.width, r.height])")
    assert len(widths) == 2 and all(w >= 300 and h >= 60 for w, h in widths), widths
    offer.locator("button[value=on]").click()
    page.wait_for_load_state("load")

    assert page.get_attribute("html", "class") == "elder"
    assert page.locator("[data-elder-offer]").count() == 0
    buttons = page.locator("[data-elder-home] a.button.big")
    assert buttons.evaluate_all("as => as.map(a => a.dataset.elderAction)") == ["raise", "mine"]
    main_width = page.evaluate("() => document.querySelector('main').clientWidth")
    for box in buttons.evaluate_all("as => as.map(a => a.getBoundingClientRect().toJSON())"):
        assert box["width"] >= main_width - 40 and box["height"] >= 60, box  # one per row
    check_state(page, "phone elder home", problems, phone=True, elder=True)
    screenshot(page, "a11y-elder-home")

    buttons.first.click()
    page.wait_for_load_state("load")
    hint = page.locator("#id_description_helptext")
    assert hint.is_visible() and page.get_attribute("#id_title", "autocomplete") is None
    check_state(page, "phone elder raise", problems, phone=True, elder=True)
    assert not problems, "\n".join(problems)

    again = new_page(viewport=PHONE)  # answered once: not asked again
    sign_in(again, live_server.url, "resident", PASSWORD)
    assert again.locator("[data-elder-offer]").count() == 0
