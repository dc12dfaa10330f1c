"""CrowdTangle CSV exports of Facebook pages/groups and Instagram accounts.

A Facebook export names the page (``Page Name``, ``User Name``, ``Facebook Id``)
and the post (``URL``, ``Message``, ``Link``, ``Final Link``…); an Instagram
export has ``Account`` and ``User Name`` and the caption in ``Description``.
The platform is told from the columns: ``Facebook Id`` or ``Page Name`` mean
Facebook, otherwise Instagram.

Keys and choices
----------------
- ``post_id`` is the post's ``URL``: CrowdTangle gives no post id column, and
  the URL is stable and is what a journalist opens.
- ``account_id`` is ``Facebook Id`` (the page or group), else ``User Name``
  (the Instagram handle), else ``Account``.
- ``text`` is the author's own words: ``Message`` on Facebook, the caption
  (``Description``) on Instagram. Facebook's ``Description``, ``Link Text``
  and ``Image Text`` describe the linked page or the picture, not what the
  account wrote; putting them in ``text`` would make every share of one link
  look like copied text.
- ``urls`` are ``Final Link`` (after redirects) or else ``Link``, then the
  links written in the text; the post's own URL is left out. Hashtags and
  mentions are read from the text.
- ``Post Created`` ends with the zone of the dashboard that exported it
  (``2021-09-25 18:03:11 CEST``). Abbreviations are read with the table
  :data:`ZONES` (ambiguous ones as noted there) and numeric forms (``+05``,
  ``+0530``, ``UTC+3``); an unknown one is a reject naming it, never a guess.
  A time without zone is read in ``ingest.default_timezone``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.ingest.base import Chunk, Format, Head, reject_frame
from cib.ingest.fields import first_filled
from cib.ingest.head import read_head
from cib.ingest.textio import iter_delimited

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["CROWDTANGLE", "ZONES", "zoned_time"]

#: zone abbreviation -> offset from UTC in minutes. Ambiguous abbreviations are
#: read as: CST US Central (not China), IST India (not Ireland or Israel),
#: BST British Summer Time, AST Atlantic, ALMT Almaty's historical +06.
ZONES: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330,
    "CET": 60, "CEST": 120, "MET": 60, "MEST": 120, "WAT": 60, "CAT": 120, "SAST": 120,
    "EET": 120, "EEST": 180, "EAT": 180, "MSK": 180, "TRT": 180, "IRST": 210,
    "GST": 240, "GET": 240, "AZT": 240, "SAMT": 240, "AMT": 240,
    "PKT": 300, "UZT": 300, "TJT": 300, "YEKT": 300, "AQTT": 300, "ORAT": 300,
    "QYZT": 360, "ALMT": 360, "KGT": 360, "OMST": 360, "BDT": 360, "NPT": 345,
    "ICT": 420, "WIB": 420, "NOVT": 420, "KRAT": 420,
    "HKT": 480, "SGT": 480, "AWST": 480, "PHT": 480, "IRKT": 480,
    "JST": 540, "KST": 540, "YAKT": 540, "ACST": 570, "ACDT": 630,
    "AEST": 600, "AEDT": 660, "VLAT": 600, "NZST": 720, "NZDT": 780,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "AST": -240, "ADT": -180, "NST": -210, "NDT": -150, "BRT": -180, "ART": -180,
}  # fmt: skip

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?\s*(.*)$")
_NUMERIC = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'«»]+")
_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w.])@(\w(?:[\w.]*\w)?)")


def zoned_time(value: str | None) -> tuple[str | None, str | None]:
    """Rewrite a CrowdTangle time with its zone abbreviation as an ISO offset.

    Parameters
    ----------
    value
        As written, e.g. ``"2021-09-25 18:03:11 CEST"``.

    Returns
    -------
    time, error
        ``("2021-09-25 18:03:11+02:00", None)``; the value unchanged when it is
        not a date and time (``finalise`` rejects it); ``(None, reason)`` for an
        unknown zone.
    """
    if value is None or not value.strip():
        return None, None
    match = _TIME.match(value.strip())
    if match is None:
        return value, None
    day, minute, second, zone = match.groups()
    stamp = f"{day} {minute}{second or ':00'}"
    zone = zone.strip()
    if not zone:
        return stamp, None
    if zone.upper() in ZONES:
        offset = ZONES[zone.upper()]
    elif numeric := _NUMERIC.match(zone):
        sign, hours, minutes = numeric.groups()
        offset = (int(hours) * 60 + int(minutes or 0)) * (-1 if sign == "-" else 1)
    else:
        return None, f"unknown time zone '{zone}' (give it an offset such as +05:00)"
    sign = "-" if offset < 0 else "+"
    return f"{stamp}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}", None


def _links(text: str | None) -> list[str]:
    # a sentence's closing punctuation is not part of the link
    return [u.rstrip(".,;:!?)]}…") for u in _URL.findall(text or "")]


def _stage(rows: pl.DataFrame, label: str, limit: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    by_lower = {c.strip().lower(): c for c in rows.columns}
    n = rows.height

    def cells(*names: str) -> list[str | None]:
        return first_filled(rows, *names)

    facebook = "facebook id" in by_lower or "page name" in by_lower
    post = cells("url")
    # the text stays as written (spaces, newlines); "" becomes null in finalise
    own_words = "message" if facebook else "description"
    text: list[str | None] = rows[by_lower[own_words]].to_list() if own_words in by_lower else [None] * n
    link = cells("final link", "link")
    created = cells("post created")
    fallback = [f"{d} {t}" if d and t else None for d, t in zip(cells("post created date"), cells("post created time"), strict=True)]
    times, bad_rows, bad_reason, bad_raw = [], [], [], []
    keep: list[bool] = []
    for i, (value, source_row) in enumerate(zip(created, rows["source_row"].to_list(), strict=True)):
        stamp, error = zoned_time(value if value else fallback[i])
        keep.append(error is None)
        if error is None:
            times.append(stamp)
        else:
            bad_rows.append(source_row)
            bad_reason.append(error)
            bad_raw.append(",".join(x or "" for x in (post[i], value, text[i])))
    urls = []
    for own, first, words in zip(post, link, text, strict=True):
        found = ([first] if first else []) + _links(words)
        urls.append([u for j, u in enumerate(found) if u != own and u not in found[:j]])
    account_created = [zoned_time(v)[0] for v in cells("page created")]
    followers = [v.replace(",", "") if v else None for v in cells("followers at posting", "likes at posting")]
    staged = pl.DataFrame(
        {
            "post_id": pl.Series(post, dtype=pl.String),
            "account_id": pl.Series(cells("facebook id", "user name", "account"), dtype=pl.String),
            "text": pl.Series(text, dtype=pl.String),
            "urls": pl.Series(urls, dtype=pl.List(pl.String)),
            "hashtags": pl.Series([_TAG.findall(t or "") for t in text], dtype=pl.List(pl.String)),
            "mentions": pl.Series([_MENTION.findall(t or "") for t in text], dtype=pl.List(pl.String)),
            "platform": pl.Series(["facebook" if facebook else "instagram"] * n, dtype=pl.String),
            "account_handle": pl.Series(cells("user name"), dtype=pl.String),
            "account_display_name": pl.Series(cells("page name", "account"), dtype=pl.String),
            "account_created_at": pl.Series(account_created, dtype=pl.String),
            "account_followers": pl.Series(followers, dtype=pl.String),
            "account_description": pl.Series(cells("page description"), dtype=pl.String),
            "source_row": rows["source_row"],
        }
    ).filter(pl.Series(keep, dtype=pl.Boolean))
    staged = staged.with_columns(pl.Series("created_at", times, dtype=pl.String))
    rejects = pl.concat(
        [reject_frame(label, [r], "Post Created", why, [raw], limit) for r, why, raw in zip(bad_rows, bad_reason, bad_raw, strict=True)]
        or [reject_frame(label, [], None, "", [], limit)]
    )
    return staged, rejects


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    delimiter = "\t" if read_head(path).kind == "tsv" else ","
    for _, rows, rejects in iter_delimited(path, delimiter=delimiter, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label):
        staged, bad = _stage(rows, label, limit)
        yield Chunk(staged, pl.concat([rejects, bad]))


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    return (
        head.kind in {"csv", "tsv"}
        and {"post created", "url", "type"} <= keys
        and bool(keys & {"facebook id", "page name", "account", "user name"})
    )


CROWDTANGLE = Format(
    name="crowdtangle",
    needs="CrowdTangle CSV export (Facebook or Instagram): URL, Post Created (with its zone), Type, "
    "and Facebook Id / Page Name (Facebook) or Account / User Name (Instagram); optional Message, "
    "Description, Link, Final Link and page profile columns",
    sniff=_sniff,
    read=_read,
    platform="facebook",
)
