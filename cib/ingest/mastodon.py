"""Mastodon: the API's ``Status`` entities, as a JSON array, a search result or JSON lines.

``/api/v1/accounts/:id/statuses``, the timelines and ``/api/v1/favourites``
answer with an array of statuses; ``/api/v2/search`` with
``{"accounts", "statuses", "hashtags"}``; ``/api/v1/statuses/:id/context``
with ``{"ancestors", "descendants"}`` (read in that order). A saved response is one document
(each status a record, ``source_row`` its 1-based place in the list); a file
of one status, one array or one search result per line is JSON lines
(:mod:`cib.ingest.jsondoc`).

Keys and choices
----------------
- ``post_id`` is the status's ``uri``, its ActivityPub id: the same status
  has the same ``uri`` whichever instance it was fetched from, whereas ``id``
  is the fetching instance's own number for it (another instance numbers it
  differently, and may give the number to another status).
- ``account_id`` is the account's address, ``user@domain``: ``acct`` when it
  names a domain (a remote account), else ``username`` with the host of the
  account's ``url`` (a local one). An account is then one id whichever
  instance it is seen from, and two instances' ``alice`` never meet. The
  domain is lower-cased. ``handle`` is the same address. Mentions are written
  the same way, so a mention matches the account it names.
- A boost (``reblog`` set) is a reshare: its own ``uri``, the booster and the
  boost's time, ``reshare_of`` the original's ``uri``, no text. The original
  is a post of its author too, read from the boost the first time a file
  holds it (the extra row is counted as ``expanded``); an original the file
  also holds as a status of its own is then a counted duplicate.
- ``reply_to`` is the parent's ``uri`` when the file holds the parent (or
  a boost or quote of it); otherwise the status names its parent only by the
  fetching instance's id, written ``local:<id>``, which matches the replies
  to that post fetched from the same instance.
- ``quote_of`` is the quoted status's ``uri`` (Mastodon 4.4 ``quote``, or
  the ``quote`` status of forks that embed one); a quote named only by id is
  ``local:<id>``. The quoted status is context, not a post of the collection.
- ``text`` is ``content`` as plain text (:mod:`cib.ingest.markup`), after
  the content warning (``spoiler_text``) and a blank line when there is one.
- ``urls``: the links of ``content`` that are neither mentions nor hashtags,
  then the preview card's ``url``; ``hashtags``: ``tags[].name``;
  ``media``: each attachment's ``remote_url`` (its address at its home
  instance), else its ``url``.
- The profile: ``display_name``, ``created_at``, ``followers_count``,
  ``following_count``, ``statuses_count`` and ``note`` (as plain text).
  ``bot`` has no column in the accounts table and is not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cib.ingest.base import Format, Head
from cib.ingest.jsondoc import Batch, Entities, Staged, obj, scalar, seq
from cib.ingest.markup import html_to_text
from cib.ingest.textio import safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["MASTODON", "address", "boost_row", "status_row"]

_STATUS = frozenset({"id", "uri", "created_at", "account", "content"})
#: the lists of statuses in a search result (``statuses``) and a thread's context (``/api/v1/statuses/:id/context``)
_PAGE_KEYS = ("statuses", "ancestors", "descendants")


def _is_status(value: dict[str, Any]) -> bool:
    return bool(value.keys() & {"uri", "id"}) and bool(value.keys() & {"account", "content"})


def address(acct: Any, url: Any) -> str | None:
    """An account's ``user@domain``: ``acct`` with its domain, or with the host of its profile ``url``.

    Parameters
    ----------
    acct
        ``acct`` (``alice`` for a local account, ``alice@example.org`` for a remote one).
    url
        The account's profile URL, whose host is the local account's domain.

    Returns
    -------
    str or None
        The address; the bare name when no domain is known; ``None`` without a name.
    """
    name = (scalar(acct) or "").strip().lstrip("@")
    if not name:
        return None
    if "@" in name:
        user, domain = name.rsplit("@", 1)
        return f"{user}@{domain.lower()}"
    try:
        host = urlsplit(scalar(url) or "").hostname
    except ValueError:
        host = None
    return f"{name}@{host}" if host else name


def _account(account: dict[str, Any]) -> dict[str, Any]:
    key = address(account.get("acct") or account.get("username"), account.get("url"))
    return {
        "account_id": key,
        "account_handle": key,
        "account_display_name": scalar(account.get("display_name")),
        "account_created_at": scalar(account.get("created_at")),
        "account_followers": scalar(account.get("followers_count")),
        "account_following": scalar(account.get("following_count")),
        "account_post_count": scalar(account.get("statuses_count")),
        "account_description": _note(account.get("note")),
    }


def _note(note: Any) -> str | None:
    """A profile note (HTML) as text; ``None`` when it says nothing."""
    return _note_text(note) if isinstance(note, str) else None


@lru_cache(maxsize=1 << 14)
def _note_text(note: str) -> str | None:
    # an account's note comes with each of its statuses: read once
    return html_to_text(note)[0] or None


def _urls(status: dict[str, Any], links: list[Any]) -> list[str]:
    """Links of the content that are not mentions or hashtags, then the card's URL; each once."""
    named = {str(m.get("url")) for m in seq(status.get("mentions")) if isinstance(m, dict)}
    named |= {str(t.get("url")) for t in seq(status.get("tags")) if isinstance(t, dict)}
    out: list[str] = []
    for link in links:
        if link.classes & {"mention", "hashtag", "u-url"} or "tag" in link.rel or link.href in named:
            continue
        if link.href.lower().startswith(("http://", "https://")) and link.href not in out:
            out.append(link.href)
    card = scalar(obj(status.get("card")).get("url"))
    if card and card not in out:
        out.append(card)
    return out


def _quoted(status: dict[str, Any], local: dict[str, str]) -> str | None:
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None
    if _is_status(quote):  # forks that embed the quoted status itself
        return scalar(quote.get("uri"))
    inner = quote.get("quoted_status")
    if isinstance(inner, dict) and inner.get("uri"):
        return scalar(inner["uri"])
    ref = scalar(quote.get("quoted_status_id"))
    return (local.get(ref) or f"local:{ref}") if ref else None


def status_row(status: dict[str, Any], local: dict[str, str]) -> dict[str, Any]:
    """Stage one status (not a boost).

    Parameters
    ----------
    status
        A ``Status`` entity.
    local
        The fetching instance's status ids mapped to ``uri``, for the statuses
        of the file (parents are named by id).

    Returns
    -------
    dict
        Staged values without ``source_row``.
    """
    content = status.get("content")
    text, links = html_to_text(content) if isinstance(content, str) else ("", [])
    spoiler = (scalar(status.get("spoiler_text")) or "").strip()
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    parent = scalar(status.get("in_reply_to_id"))
    mentions = [
        address(m.get("acct") or m.get("username"), m.get("url"))
        for m in seq(status.get("mentions"))
        if isinstance(m, dict)
    ]
    return {
        "post_id": scalar(status.get("uri")),
        "created_at": scalar(status.get("created_at")),
        "text": text or None,
        "lang": scalar(status.get("language")),
        "reply_to": (local.get(parent) or f"local:{parent}") if parent else None,
        "quote_of": _quoted(status, local),
        "urls": _urls(status, links),
        "hashtags": [
            str(t["name"]) for t in seq(status.get("tags")) if isinstance(t, dict) and t.get("name")
        ],
        "mentions": [m for m in mentions if m],
        "media": [
            str(m.get("remote_url") or m.get("url"))
            for m in seq(status.get("media_attachments"))
            if isinstance(m, dict) and (m.get("remote_url") or m.get("url"))
        ],
        **_account(obj(status.get("account"))),
    }


def boost_row(status: dict[str, Any]) -> dict[str, Any]:
    """Stage a boost: the booster's reshare of ``status["reblog"]``, without text."""
    return {
        "post_id": scalar(status.get("uri")),
        "created_at": scalar(status.get("created_at")),
        "reshare_of": scalar(obj(status.get("reblog")).get("uri")),
        **_account(obj(status.get("account"))),
    }


def _local_ids(source: Entities) -> dict[str, str]:
    """Every status id of the file (boosted and quoted ones too) mapped to its ``uri``."""
    local: dict[str, str] = {}
    for batch in source.batches():
        for _, held in batch.records:
            todo = [s for s in held if isinstance(s, dict)]
            while todo:
                status = todo.pop()
                if status.get("id") is not None and isinstance(status.get("uri"), str):
                    local.setdefault(str(status["id"]), status["uri"])
                todo += [
                    s
                    for s in (status.get("reblog"), obj(status.get("quote")).get("quoted_status"))
                    if isinstance(s, dict)
                ]
    return local


def _refused(status: Any) -> tuple[str | None, str] | None:
    """``(column, reason)`` when a list item cannot be staged; ``None`` when it can."""
    if not isinstance(status, dict):
        return None, "a status that is not an object"
    if status.get("reblog") is not None and not scalar(obj(status["reblog"]).get("uri")):
        return "reblog.uri", "a boost whose original has no uri"
    return None


def _stage(batch: Batch, local: dict[str, str], seen: set[str], label: str, limit: int) -> Staged:
    out = Staged(batch.rejects)
    for number, held in batch.records:
        out.expanded += len(held) - 1
        for status in held:
            refused = _refused(status)
            if refused:
                out.refuse(number, *refused, safe_json(status))
                continue
            try:
                original = status.get("reblog")
                if original is None:
                    out.add(status_row(status, local), number)
                    seen.add(scalar(status.get("uri")) or "")
                    continue
                out.add(boost_row(status), number)
                if str(original["uri"]) not in seen:
                    seen.add(str(original["uri"]))
                    out.add(status_row(original, local), number)
                    out.expanded += 1
            except RecursionError:
                out.refuse(number, None, "JSON nested too deeply to read", "")
    return out


def _read(path: Path, cfg: Config) -> Iterator:
    label, limit = str(path), cfg["ingest.raw_chars"]
    source = Entities(path, cfg, "Mastodon", _PAGE_KEYS, _is_status)
    local = _local_ids(source)  # a reply may come before its parent (timelines run newest first)
    seen: set[str] = set()
    for batch in source.batches():
        yield _stage(batch, local, seen, label, limit).chunk(label, limit)


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind not in ("json", "jsonl"):
        return False
    # a search result's statuses carry account.acct (an X v1.1 search result, also under "statuses", does not)
    return _STATUS <= keys or (
        bool(keys & {"statuses", "ancestors", "descendants"}) and b'"acct"' in head.raw
    )


MASTODON = Format(
    name="mastodon",
    needs="Mastodon API statuses: a JSON array (account statuses, timelines), a /api/v2/search result "
    "(statuses), a thread's context (ancestors, descendants), or JSON lines of statuses or pages; each status with uri, created_at, account "
    "(acct, url), content (HTML); boosts become reshares of the original's uri",
    sniff=_sniff,
    read=_read,
    platform="mastodon",
)
