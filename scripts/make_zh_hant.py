"""Generate the Traditional Chinese catalogue from the Simplified Chinese one.

    python scripts/make_zh_hant.py [--check]

zh_Hans/LC_MESSAGES/django.po is translated by hand; this writes
zh_Hant/LC_MESSAGES/django.po with the same entries, every msgstr converted by OpenCC
("s2tw": Traditional characters in the Taiwan standard forms, 為/群眾/啟, as the
traditional-character seeds use; characters only, no change of vocabulary). msgids,
comments, flags and placeholders are copied as they are; the header only changes its
Language to zh_Hant.

OpenCC is not a dependency of Tongxin: `make translations` installs the pure-Python
package opencc-python-reimplemented into a throw-away venv and runs this script there.
The generated .po and its compiled .mo are committed.

Exit status 1 when zh_Hans still has an untranslated or fuzzy entry (they are listed,
so translate them and run again), or with --check when zh_Hant is out of date.
"""

import argparse
import re
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "tongxin" / "locale"
SOURCE = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"
CONFIG = "s2tw"
HEADER_NOTE = (
    "# Tongxin (同心) interface strings: Traditional Chinese.\n"
    "# GENERATED from zh_Hans by scripts/make_zh_hant.py (make translations): do not edit.\n"
)
# Where OpenCC's choice differs from the seeds' own traditional text, the seeds win.
FIXES = {
    "紅馬紮": "紅馬扎",  # the red folding stool of mobile listening (seed 004: 紅馬扎)
}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
STRING = re.compile(r'^(".*")$')


def converter():
    try:
        from opencc import OpenCC
    except ImportError:
        sys.exit("make_zh_hant: OpenCC is missing; run `make translations`, which installs "
                 "opencc-python-reimplemented in a throw-away venv.")
    try:
        opencc = OpenCC(CONFIG)
    except Exception:  # the C++ binding's Python package names its configs with .json
        opencc = OpenCC(CONFIG + ".json")

    def convert(text):
        text = opencc.convert(text)
        for wrong, right in FIXES.items():
            text = text.replace(wrong, right)
        return text

    return convert


def entries(text):
    """Split a .po file into entries: lists of lines, separated by blank lines."""
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def untranslated(blocks):
    """Yield the msgids of entries that are fuzzy or have an empty msgstr."""
    for lines in blocks:
        msgid, fuzzy, strings, keyword = None, False, {}, None
        for line in lines:
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            match = KEYWORD.match(line)
            if match:
                keyword = match.group(1)
                strings[keyword] = match.group(2)[1:-1]
            elif STRING.match(line) and keyword:
                strings[keyword] += line[1:-1]
            if keyword == "msgid":
                msgid = strings["msgid"]
        if msgid == "":
            continue  # the header
        msgstrs = [value for key, value in strings.items() if key.startswith("msgstr")]
        if fuzzy or not msgstrs or not all(msgstrs):
            yield msgid


def is_header(lines):
    """The header is the entry whose msgid is empty (not one that starts on the next line)."""
    return any(line == 'msgid ""' and following.startswith("msgstr ")
               for line, following in zip(lines, lines[1:]))


def convert_entry(lines, convert):
    header = is_header(lines)
    out, keyword = [], None
    for line in lines:
        match = KEYWORD.match(line)
        if match:
            keyword = match.group(1)
        in_msgstr = keyword is not None and keyword.startswith("msgstr")
        if header:
            if not line.startswith("#"):
                out.append(line.replace('"Language: zh_Hans\\n"', '"Language: zh_Hant\\n"'))
        elif in_msgstr and (match or STRING.match(line)):
            head, _, quoted = line.partition('"') if match else ("", "", line[1:])
            out.append(f'{head}"{convert(quoted[:-1])}"')
        else:
            out.append(line)
    if header:
        out.insert(0, HEADER_NOTE.rstrip("\n"))
    return "\n".join(out)


def generate(source_text, convert):
    return "\n\n".join(convert_entry(lines, convert) for lines in entries(source_text)) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only say whether zh_Hant is up to date; write nothing")
    args = parser.parse_args()

    source_text = SOURCE.read_text(encoding="utf-8")
    if '"Language: zh_Hans\\n"' not in source_text:
        sys.exit(f"make_zh_hant: {SOURCE} has no 'Language: zh_Hans' header.")
    missing = list(untranslated(entries(source_text)))
    if missing:
        print(f"make_zh_hant: translate these {len(missing)} entries in {SOURCE} "
              "(fill msgstr, remove '#, fuzzy'), then run `make translations` again:",
              file=sys.stderr)
        for msgid in missing:
            print(f'  "{msgid}"', file=sys.stderr)
        return 1

    result = generate(source_text, converter())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != result:
            print(f"make_zh_hant: {TARGET} is out of date; run `make translations`.",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(result, encoding="utf-8")
    print(f"make_zh_hant: wrote {TARGET.relative_to(LOCALE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
