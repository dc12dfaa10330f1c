"""X API v2 collections made with twarc2: its JSON lines, and the CSV of twarc-csv.

``twarc2 search`` (and ``timeline``, ``stream``…) writes one API response page
per line: ``{"data": [tweets], "includes": {"users": […], "tweets": […]},
"__twarc": {…}}``. Each tweet in ``data`` is a post; ``includes.tweets`` are
the tweets they reference, not part of the collection, so they are never
posts. ``twarc2 flatten`` writes one tweet per line with its ``author``
embedded; both are read. Every tweet of a page has the page's line number as
``source_row``. A line that holds no tweet (an empty page, a stream error) is
a reject, so the line count always reconciles.

twarc-csv flattens the same tweets into columns (``referenced_tweets.retweeted.id``,
``author.username``, ``entities.hashtags``…). Its entity cells are JSON arrays,
either of strings (``["#tag"]``, ``["@user"]``, expanded URLs: current
versions) or of the API's objects (older ones); both are read. twarc-csv
writes newlines in text as the two characters ``\\n``; they are turned back
into newlines so copied text matches across formats.

``source``, where the collection has it, names the posting app: API v2
writes the name, v1 an HTML link whose text alone is kept (``client``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.ingest.base import Chunk, Format, Head, reject_frame
from cib.ingest.fields import client_name, staged_frame
from cib.ingest.textio import iter_delimited, iter_json_lines, safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["TWARC2_JSONL", "TWARC_CSV", "tweet_row"]

_REFERENCE = {"retweeted": "reshare_of", "replied_to": "reply_to", "quoted": "quote_of"}


def _str(value: Any) -> str | None:
    # Python's json keeps big ints exact, so str() of an id is its digits
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _items(values: Any, *keys: str) -> list[str]:
    """Strings from a list of entity objects (first of ``keys`` present) or of plain strings."""
    out: list[str] = []
    for item in values if isinstance(values, list) else []:
        if isinstance(item, dict):
            found = next((item[k] for k in keys if item.get(k)), None)
            if found is not None:
                out.append(str(found))
        elif item is not None and str(item):
            out.append(str(item))
    return out


def tweet_row(tweet: dict[str, Any], users: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Stage one API v2 tweet object.

    Parameters
    ----------
    tweet
        The tweet (a page's ``data`` item or a flattened tweet).
    users
        ``includes.users`` by id, for the author's profile when the tweet
        does not embed its ``author``.

    Returns
    -------
    dict
        Staged values (strings and lists of strings) without ``source_row``.
    """
    author_id = _str(tweet.get("author_id"))
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else users.get(author_id or "", {})
    if author_id is None:
        author_id = _str(author.get("id"))
    entities = tweet.get("entities") if isinstance(tweet.get("entities"), dict) else {}
    attachments = tweet.get("attachments") if isinstance(tweet.get("attachments"), dict) else {}
    metrics = author.get("public_metrics") if isinstance(author.get("public_metrics"), dict) else {}
    row: dict[str, Any] = {
        "post_id": _str(tweet.get("id")),
        "account_id": author_id,
        "created_at": _str(tweet.get("created_at")),
        "text": _str(tweet.get("text")),
        "lang": _str(tweet.get("lang")),
        "client": client_name(tweet.get("source")),
        "urls": _items(entities.get("urls"), "expanded_url", "url"),
        "hashtags": _items(entities.get("hashtags"), "tag"),
        "mentions": _items(entities.get("mentions"), "username"),
        "media": _items(attachments.get("media_keys")),
        "account_handle": _str(author.get("username")),
        "account_display_name": _str(author.get("name")),
        "account_created_at": _str(author.get("created_at")),
        "account_followers": _str(metrics.get("followers_count")),
        "account_following": _str(metrics.get("following_count")),
        "account_post_count": _str(metrics.get("tweet_count")),
        "account_description": _str(author.get("description")),
    }
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") in _REFERENCE:
            row[_REFERENCE[ref["type"]]] = _str(ref.get("id"))
    return row


def _tweets_of(record: dict[str, Any]) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The collection's tweets on one line and the users it includes."""
    if "data" not in record:
        # a flattened tweet is itself the post; anything else holds none
        return ([record] if "id" in record and ("author_id" in record or "author" in record) else []), {}
    data = record["data"]
    tweets = data if isinstance(data, list) else [data]  # the stream writes one tweet per page
    includes = record.get("includes") if isinstance(record.get("includes"), dict) else {}
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    return tweets, users


def _read_jsonl(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    for records, rejects in iter_json_lines(path, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label):
        rows: list[dict[str, Any]] = []
        numbers: list[int] = []
        bad: list[pl.DataFrame] = [rejects]
        expanded = 0
        for number, record in records:
            if not isinstance(record, dict):
                bad.append(reject_frame(label, [number], None, "a JSON line that is not an object", [safe_json(record)], limit))
                continue
            tweets, users = _tweets_of(record)
            if not tweets:
                what = "API errors" if "errors" in record else "no tweets"
                bad.append(reject_frame(label, [number], None, f"a line with no tweet ({what})", [safe_json(record)], limit))
            expanded += max(len(tweets) - 1, 0)
            for tweet in tweets:
                if not isinstance(tweet, dict):
                    bad.append(reject_frame(label, [number], None, "a tweet that is not an object", [safe_json(tweet)], limit))
                    continue
                try:
                    rows.append(tweet_row(tweet, users))
                except RecursionError:
                    bad.append(reject_frame(label, [number], None, "JSON nested too deeply to read", [""], limit))
                    continue
                numbers.append(number)
        yield Chunk(staged_frame(rows, numbers), pl.concat(bad), expanded=expanded)


# --- twarc-csv -----------------------------------------------------------

#: staged column -> twarc-csv columns that may hold it, first found wins
_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "post_id": ("id",),
    "account_id": ("author_id", "author.id"),
    "created_at": ("created_at",),
    "text": ("text",),
    "lang": ("lang",),
    "client": ("source",),
    "reshare_of": ("referenced_tweets.retweeted.id",),
    "reply_to": ("referenced_tweets.replied_to.id",),
    "quote_of": ("referenced_tweets.quoted.id",),
    "account_handle": ("author.username",),
    "account_display_name": ("author.name",),
    "account_created_at": ("author.created_at",),
    "account_followers": ("author.public_metrics.followers_count",),
    "account_following": ("author.public_metrics.following_count",),
    "account_post_count": ("author.public_metrics.tweet_count",),
    "account_description": ("author.description",),
}
_CSV_LISTS = {
    "urls": ("entities.urls", ("expanded_url", "url")),
    "hashtags": ("entities.hashtags", ("tag",)),
    "mentions": ("entities.mentions", ("username",)),
    "media": ("attachments.media_keys", ("media_key",)),
}


def _json_list(cell: str | None, keys: tuple[str, ...]) -> list[str]:
    if not cell or not cell.strip():
        return []
    try:
        value = json.loads(cell)
    except json.JSONDecodeError:
        # not JSON: a plain value (a single URL, say) is still worth keeping
        return [cell.strip()]
    return _items(value if isinstance(value, list) else [value], *keys)


def _csv_text(cell: str | None) -> str | None:
    if cell is None:
        return None
    if len(cell) >= 2 and cell.startswith('"') and cell.endswith('"'):
        # written with --json-encode-text (the default of early versions)
        try:
            value = json.loads(cell)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, str):
            return value
    return cell.replace("\\n", "\n")


def _stage_csv(rows: pl.DataFrame) -> pl.DataFrame:
    by_lower = {c.strip().lower(): c for c in rows.columns}

    def cells(*names: str) -> list[str | None]:
        for name in names:
            if name in by_lower:
                return list(rows[by_lower[name]].to_list())
        return [None] * rows.height

    values: dict[str, list[Any]] = {}
    for staged, names in _CSV_COLUMNS.items():
        column = cells(*names)
        values[staged] = [_csv_text(v) for v in column] if staged in ("text", "account_description") else column
    values["client"] = [client_name(v) for v in values["client"]]
    # early twarc-csv kept referenced_tweets as one JSON array of {type, id}
    for i, cell in enumerate(cells("referenced_tweets")):
        for ref in _json_refs(cell):
            target = _REFERENCE.get(str(ref.get("type")))
            if target and not values[target][i]:
                values[target][i] = _str(ref.get("id"))
    data = {c: pl.Series(c, v, dtype=pl.String) for c, v in values.items()}
    for staged, (name, keys) in _CSV_LISTS.items():
        data[staged] = pl.Series(staged, [_json_list(v, keys) for v in cells(name)], dtype=pl.List(pl.String))
    data["source_row"] = rows["source_row"]
    return pl.DataFrame(data)


def _json_refs(cell: str | None) -> list[dict[str, Any]]:
    if not cell or not cell.strip():
        return []
    try:
        value = json.loads(cell)
    except json.JSONDecodeError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _read_csv(path: Path, cfg: Config) -> Iterator[Chunk]:
    for _, rows, rejects in iter_delimited(
        path, delimiter=",", chunk_rows=cfg["ingest.chunk_rows"], raw_chars=cfg["ingest.raw_chars"], file_label=str(path)
    ):
        yield Chunk(_stage_csv(rows), rejects)


def _sniff_jsonl(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind != "jsonl":
        return False
    if "data" in keys and keys & {"includes", "meta", "__twarc", "matching_rules", "errors"}:
        return True
    # a flattened (or bare) v2 tweet: nested fields the generic table cannot read
    tweet = {"id", "created_at"} <= keys and ("author_id" in keys or "author" in keys)
    return tweet and bool(keys & {"author", "__twarc", "referenced_tweets", "entities", "edit_history_tweet_ids", "public_metrics"})


def _sniff_csv(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind != "csv" or not {"id", "created_at"} <= keys or not keys & {"author_id", "author.id"}:
        return False
    return any(k.startswith(("referenced_tweets", "__twarc", "author.username", "entities.")) for k in keys)


TWARC2_JSONL = Format(
    name="twarc2_jsonl",
    needs="twarc2 JSON lines (X API v2): one response page per line with data (tweets) and "
    "includes.users, or one flattened tweet per line with its author (twarc2 flatten); "
    "a line without tweets is rejected",
    sniff=_sniff_jsonl,
    read=_read_jsonl,
    platform="x",
)

TWARC_CSV = Format(
    name="twarc_csv",
    needs="CSV written by twarc-csv: id, author_id, created_at, text, referenced_tweets.*.id, "
    "entities.urls/hashtags/mentions (JSON arrays), author.* profile columns",
    sniff=_sniff_csv,
    read=_read_csv,
    platform="x",
)
