"""Hand-made collections that grow from one run to the next, with networks whose fate is obvious from reading them.

Each network is a group of accounts resharing the same four posts a day, seconds
apart; 30 people post their own things around them. :func:`planted` writes two
states of one collection:

* ``before``: networks A and B (6 accounts each) and D (6 accounts) on days 0–9;
* ``after``: the same first file, D's file gone (D stops: it vanishes), and a new
  file of days 10–19 where A goes on, B is joined by b6–b9 (it grows) and a
  new network C appears.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["T0", "network_rows", "noise_rows", "write_csv", "planted"]

T0 = datetime(2024, 3, 1, tzinfo=UTC)
_FIELDS = ["post_id", "account_id", "created_at", "text", "reshare_of"]


def network_rows(
    name: str, members: list[str], days: range, per_day: int = 4, hour: int = 9
) -> list[dict[str, str]]:
    """Every member reshares each of the network's ``per_day`` posts of a day, 3 s after the one before."""
    rows = []
    for day in days:
        for k in range(per_day):
            target = f"{name}-d{day}-t{k}"
            start = T0 + timedelta(days=day, hours=hour + 2 * k, minutes=7 * (ord(name[0]) % 5))
            for i, member in enumerate(members):
                at = start + timedelta(seconds=3 * i + 1)
                rows.append({"post_id": f"{target}-{member}", "account_id": member, "created_at": at.isoformat(),
                             "text": f"RT {target}", "reshare_of": target})  # fmt: skip
    return rows


def noise_rows(days: range, people: int = 30) -> list[dict[str, str]]:
    """Each person reshares a post of their own choosing once a day, at their own time."""
    rows = []
    for day in days:
        for a in range(people):
            at = T0 + timedelta(days=day, hours=(7 * a) % 24, minutes=(13 * a + 5 * day) % 60)
            rows.append({"post_id": f"n-{day}-{a}", "account_id": f"person{a:02d}", "created_at": at.isoformat(),
                         "text": f"my own thought {day} {a}", "reshare_of": f"orig-{day}-{a}"})  # fmt: skip
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """A generic CSV of ``rows`` (the columns of :func:`network_rows`, and any other the rows have)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    more = sorted({k for row in rows for k in row} - set(_FIELDS))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=_FIELDS + more)
        writer.writeheader()
        writer.writerows(rows)
    return path


def planted(base: Path) -> tuple[Path, Path]:
    """The collection before and after (two folders, analysed under one name)."""
    a, b, grown = [f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)], [f"b{i}" for i in range(6, 10)]
    c, d = [f"c{i}" for i in range(6)], [f"d{i}" for i in range(6)]
    first, second = range(0, 10), range(10, 20)
    early = network_rows("A", a, first) + network_rows("B", b, first) + noise_rows(first)
    write_csv(base / "before" / "early.csv", early)
    write_csv(base / "before" / "gone.csv", network_rows("D", d, first))
    write_csv(base / "after" / "early.csv", early)
    late = network_rows("A", a, second) + network_rows("B", b + grown, second) + network_rows("C", c, second)
    write_csv(base / "after" / "late.csv", late + noise_rows(second))
    return base / "before", base / "after"
