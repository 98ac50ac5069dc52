"""The interface catalogues (tongxin/locale) are complete, compiled and used.

zh_Hans is translated by hand, zh_Hant is generated from it (scripts/make_zh_hant.py)
and en keeps the English source strings; `make translations` refreshes all three.
The .po files are read with the small parser below, so no gettext tools are needed.
"""

import gettext as gnu_gettext
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from tongxin.people.choices import Role
from tongxin.places.choices import PlaceKind

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["zh_Hans", "zh_Hant", "en"]
CHINESE = ["zh_Hans", "zh_Hant"]
# %(name)s / %(n)d, bare %s / %d, and {{ var }} (blocktranslate turns those into %(var)s,
# so one left in a msgstr would be printed as it is).
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\{\s*[\w.]+\s*\}\}|\{\w*\}")
# Characters whose Traditional form differs: one of them in zh_Hant means it was not
# converted (or was edited by hand in Simplified characters).
SIMPLIFIED_ONLY = set("们这说发户网区员编码导册书记录级组织务业单诉议结")


def unquote(text):
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text[1:-1])


def read_po(path):
    """Return the entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr
    (a list: one item, or one per plural form), flags (a set) and obsolete (bool)."""
    entries, entry, keyword = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, keyword = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (".*")$', line)
        if match:
            keyword, index, quoted = match.groups()
            if keyword == "msgstr":
                keyword = ("msgstr", int(index or 0))
                entry["msgstr"][keyword[1]] = unquote(quoted)
            else:
                entry[keyword] = unquote(quoted)
        else:
            assert line.startswith('"') and keyword, f"{path}: cannot read {line!r}"
            if isinstance(keyword, tuple):
                entry["msgstr"][keyword[1]] += unquote(line)
            else:
                entry[keyword] += unquote(line)
    for entry in entries:
        entry["msgstr"] = [entry["msgstr"][i] for i in sorted(entry["msgstr"])]
    return entries


def po_path(language):
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def catalogue(language):
    """The header (as a dict) and the messages (no header, no obsolete entries)."""
    entries = read_po(po_path(language))
    header_entry = next(e for e in entries if e["msgid"] == "" and "msgctxt" not in e)
    header = dict(
        line.split(": ", 1) for line in header_entry["msgstr"][0].splitlines() if ": " in line
    )
    messages = [e for e in entries if e is not header_entry and not e["obsolete"]]
    return header, messages


def key(entry):
    return (entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))


def label(entry):
    return f"{entry.get('msgctxt', '')}|{entry['msgid']}"


# --- The catalogues ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_and_its_compiled_file_exist(language):
    assert po_path(language).is_file()
    assert po_path(language).with_suffix(".mo").is_file()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_names_the_language_and_its_plural_forms(language):
    header, _ = catalogue(language)

    assert header["Language"] == language
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    expected = "nplurals=2; plural=(n != 1);" if language == "en" else "nplurals=1; plural=0;"
    assert header["Plural-Forms"] == expected


def test_the_catalogues_hold_the_same_messages():
    keys = {language: [key(e) for e in catalogue(language)[1]] for language in LANGUAGES}

    assert len(keys["zh_Hans"]) > 100
    assert len(set(keys["zh_Hans"])) == len(keys["zh_Hans"])
    assert set(keys["zh_Hant"]) == set(keys["zh_Hans"]), "run `make translations`"
    assert set(keys["en"]) == set(keys["zh_Hans"]), "run `make translations`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (make system-deps)")
def test_the_catalogue_holds_every_string_the_source_marks(tmp_path, settings, monkeypatch):
    # makemessages over the source as it is now, written to a throw-away locale dir: a
    # string added to the code without `make translations` would be shown untranslated.
    (tmp_path / "src").symlink_to(LOCALE.parent, target_is_directory=True)
    settings.LOCALE_PATHS = [tmp_path / "out"]
    (tmp_path / "out" / "zh_Hans").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], symlinks=True, no_location=True,
                 ignore_patterns=["src/locale/*"], verbosity=0)

    extracted = read_po(tmp_path / "out" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    marked = {key(e) for e in extracted if e["msgid"]}
    catalogued = {key(e) for e in catalogue("zh_Hans")[1]}
    assert len(marked) > 100
    assert sorted(marked - catalogued) == [], "run `make translations`"


@pytest.mark.parametrize("language", CHINESE)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    _, messages = catalogue(language)

    fuzzy = [label(e) for e in messages if "fuzzy" in e["flags"]]
    empty = [label(e) for e in messages if not e["msgstr"] or not all(e["msgstr"])]
    one_form = [label(e) for e in messages if len(e["msgstr"]) != 1]
    assert fuzzy == []
    assert empty == []
    assert one_form == []  # Chinese has one plural form: msgstr[0] only


def test_no_entry_is_obsolete_or_fuzzy_in_the_english_catalogue():
    entries = read_po(po_path("en"))

    assert [label(e) for e in entries if e["obsolete"] or "fuzzy" in e["flags"]] == []


@pytest.mark.parametrize("language", CHINESE)
def test_translations_keep_the_placeholders_of_the_source(language):
    _, messages = catalogue(language)

    wrong = []
    for entry in messages:
        sources = [entry["msgid"]] + ([entry["msgid_plural"]] if "msgid_plural" in entry else [])
        expected = Counter(PLACEHOLDER.findall(sources[-1]))
        for msgstr in entry["msgstr"]:
            if Counter(PLACEHOLDER.findall(msgstr)) != expected:
                wrong.append((label(entry), msgstr))
    assert wrong == []


def test_the_traditional_catalogue_is_in_traditional_characters():
    _, hans = catalogue("zh_Hans")
    _, hant = catalogue("zh_Hant")
    hans = {key(e): e["msgstr"] for e in hans}

    simplified = [label(e) for e in hant if SIMPLIFIED_ONLY & set("".join(e["msgstr"]))]
    assert simplified == []
    changed = [e for e in hant if e["msgstr"] != hans[key(e)]]
    assert len(changed) > len(hant) / 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    """The committed .mo holds exactly the translated, non-fuzzy entries of the .po."""
    _, messages = catalogue(language)
    with po_path(language).with_suffix(".mo").open("rb") as mo:
        compiled = dict(gnu_gettext.GNUTranslations(mo)._catalog)
    compiled.pop("", None)

    expected = {}
    for entry in messages:
        if "fuzzy" in entry["flags"] or not all(entry["msgstr"]):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            expected.update({(msgid, i): s for i, s in enumerate(entry["msgstr"])})
        else:
            expected[msgid] = entry["msgstr"][0]
    assert compiled == expected, "run `make translations` (compilemessages)"


# --- The catalogues in use --------------------------------------------------------


@pytest.mark.parametrize(("language", "sign_in", "grid_worker", "household"), [
    ("zh-hans", "登录", "网格员", "户"),
    ("zh-hant", "登錄", "網格員", "戶"),
    ("en", "Sign in", "Grid worker", "Household"),
])
def test_strings_render_in_each_language(language, sign_in, grid_worker, household):
    with translation.override(language):
        assert gettext("Sign in") == sign_in
        assert str(Role.GRID_WORKER.label) == grid_worker
        assert str(PlaceKind.HOUSEHOLD.label) == household


def test_the_default_language_is_simplified_chinese():
    translation.deactivate()  # as outside a request: settings.LANGUAGE_CODE

    assert translation.get_language() == "zh-hans"
    assert gettext("Sign out") == "退出"


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ["网格", "第2页，共5页", "共1人", "共3人", "4行有错误，未导入任何数据。"]),
    ("zh-hant", ["網格", "第2頁，共5頁", "共1人", "共3人", "4行有錯誤，未導入任何數據。"]),
    ("en", ["Grid", "Page 2 of 5", "1 person", "3 people",
            "4 rows have errors; nothing was imported."]),
])
def test_context_plurals_and_template_variables_are_translated(language, expected):
    template = Template(
        "{% load i18n %}"
        "{% blocktranslate with n=2 total=5 %}Page {{ n }} of {{ total }}{% endblocktranslate %}|"
        "{% blocktranslate count counter=count %}{{ counter }} person{% plural %}"
        "{{ counter }} people{% endblocktranslate %}"
    )
    with translation.override(language):
        pages_one = template.render(Context({"count": 1})).split("|")
        pages_three = template.render(Context({"count": 3})).split("|")
        rows = ngettext("%(count)d row has errors; nothing was imported.",
                        "%(count)d rows have errors; nothing was imported.", 4) % {"count": 4}
        grid = pgettext("place kind", "Grid")

    assert [grid, pages_one[0], pages_one[1], pages_three[1], rows] == expected
