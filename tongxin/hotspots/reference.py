"""The reference hot issues: the top groups of the shipped messages_with_votes data set.

The data set is static, so the table is computed once and kept (in memory and as JSON
under ``var/cache``), keyed by the data file, the source of the grouping code and
``VERSION`` (bump it when the cached format changes). ``now`` for recency is the last
message's time: the table reads as the district would have read it the day the data ends.
"""

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from tongxin.hotspots import grouping
from tongxin.triage import datasets

DATASET = "messages_with_votes"
VERSION = 1
TOP = 20
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """One hot issue as a district reads it."""

    rank: int
    label: str
    place: str
    first: datetime
    last: datetime
    count: int
    reporters: int
    votes_for: int
    votes_against: int
    heat: float
    number: str  # the representative message
    title: str
    text: str
    members: tuple  # message numbers, representative first

    @property
    def period(self):
        return f"{self.first:%Y-%m-%d} – {self.last:%Y-%m-%d}"


def items():
    """Return the data set's messages as grouping items."""
    return [
        grouping.Item(
            key=row["留言编号"], title=row["留言主题"].strip(), text=row["留言详情"].strip(),
            at=grouping.parse_time(row["留言时间"]), reporter=row["留言用户"].strip() or None,
            votes_for=_count(row.get("点赞数")), votes_against=_count(row.get("反对数")),
        )
        for row in datasets.rows(DATASET)
    ]


def _count(value):
    try:
        return max(0, int(str(value).strip() or 0))
    except ValueError:
        return 0


def compute(top=TOP):
    """Group the data set and return its ``top`` hottest issues as rows (takes seconds)."""
    groups = grouping.group_items(items())[:top]
    grouping.describe(groups)
    return tuple(
        Row(rank=rank, label=group.label, place=group.place, first=group.first, last=group.last,
            count=group.count, reporters=group.reporters, votes_for=group.votes_for,
            votes_against=group.votes_against, heat=group.heat,
            number=str(group.representative.key), title=group.representative.title,
            text=group.representative.text, members=tuple(str(k) for k in group.keys))
        for rank, group in enumerate(groups, start=1)
    )


def _source_digest():
    """Return what the table depends on: the data file and the code that groups it."""
    digest = hashlib.sha256()
    for path in (datasets.DATA / f"{DATASET}.csv.xz", Path(grouping.__file__), Path(__file__)):
        digest.update(path.read_bytes())
    return f"v{VERSION}-{digest.hexdigest()[:16]}"


def cache_path():
    return Path(settings.VAR_DIR) / "cache" / "hot_issues_reference.json"


def _load(path, source, top):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("source") != source or data.get("top") != top:
        return None
    try:
        return tuple(
            Row(**{**row, "first": datetime.fromisoformat(row["first"]),
                   "last": datetime.fromisoformat(row["last"]), "members": tuple(row["members"])})
            for row in data["rows"]
        )
    except (KeyError, TypeError, ValueError):
        return None


def _store(path, source, top, rows):
    """Write the table atomically; a read-only disk only costs the next process a recompute."""
    payload = {"source": source, "top": top, "rows": [
        {**asdict(row), "first": row.first.isoformat(), "last": row.last.isoformat(),
         "members": list(row.members)} for row in rows]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as out:
            json.dump(payload, out, ensure_ascii=False)
        os.replace(out.name, path)
    except OSError as error:
        log.warning("hot issues reference table not cached: %s", error)


@lru_cache(maxsize=4)
def table(top=TOP):
    """Return the reference top-``top`` table, from the cache when it is current."""
    source = _source_digest()
    path = cache_path()
    rows = _load(path, source, top)
    if rows is None:
        started = time.perf_counter()
        rows = compute(top)
        log.info("hot issues reference table computed in %.1f s", time.perf_counter() - started)
        _store(path, source, top, rows)
    return rows


def forget():
    """Drop the cached table (memory and disk): the next ``table()`` recomputes it."""
    table.cache_clear()
    try:
        cache_path().unlink()
    except OSError:
        pass
