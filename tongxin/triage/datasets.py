"""The reference data sets Tongxin ships (data/README.md): read them without network."""

import csv
import io
import lzma
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
NAMES = ("categories", "messages_labelled", "messages_unlabelled", "messages_with_votes",
         "messages_with_replies")


@cache
def rows(name):
    """Return the rows of one shipped CSV file as a tuple of dicts (Chinese column names)."""
    if name not in NAMES:
        raise ValueError(name)
    with lzma.open(DATA / f"{name}.csv.xz", "rt", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(io.StringIO(f.read())))
