"""What the page's own script needs to search the report and to hand each dossier's tables over as CSV.

The page is read offline, so search and downloads run in the browser on data
embedded in the page: for every dossier, its members (with every reason and
score) and its evidence posts (with ``cluster_id``, times, texts, links and the
source file and row), as columns and rows. The script only ever puts these
values into the page as text, and writes every CSV cell through the same rule as
the exports (:data:`cib.report.safety.FORMULA_JS`, the JavaScript form of
:func:`cib.report.safety.neutralise_cell`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cib.report.safety import FORMULA_JS

__all__ = ["MEMBER_COLUMNS", "POST_COLUMNS", "page_data"]

#: the columns of a dossier's members download
MEMBER_COLUMNS = ("cluster_id", "account_id", "handle", "display_name", "platform", "label", "score", "links",
                  "posts", "followers", "created", "reasons", "profile_url")  # fmt: skip
#: the columns of a dossier's evidence download
POST_COLUMNS = ("cluster_id", "evidence_group", "signal", "object_id", "post_id", "account_id", "handle",
                "created_at", "text", "urls", "hashtags", "post_url", "source_file", "source_row")  # fmt: skip


def _member(cid: int, m: dict[str, Any]) -> list[Any]:
    return [cid, m["account_id"], m["handle"], m["display_name"], m["platform"], m["label"],
            None if m["score"] is None else round(float(m["score"]), 4), m["degree"], m["posts"], m["followers"],
            m["created"], "; ".join(m["reasons"]), m["profile"] or ""]  # fmt: skip


def _post(cid: int, group: int, g: dict[str, Any], p: dict[str, Any]) -> list[Any]:
    return [cid, group + 1, g["signal_key"], g["object_id"], p["post_id"], p["account_id"], p["handle"],
            p["created_at"], p["text"], "; ".join(p["all_urls"]), "; ".join(p["hashtags"]), p["link"] or "",
            p["source_file"], p["source_row"]]  # fmt: skip


def _dossier(d: Any) -> dict[str, Any]:
    """One dossier's rows, and the element each row is shown in."""
    posts, places = [], []
    for i, g in enumerate(d.evidence):
        for p in g["posts"]:
            posts.append(_post(d.cluster_id, i, g, p))
            places.append(p["anchor"])
    return {
        "id": d.cluster_id,
        "name": d.name,
        "topic": d.topic,
        "members": [_member(d.cluster_id, m) for m in d.members],
        "member_places": [m["anchor"] for m in d.members],
        "posts": posts,
        "post_places": places,
    }


def page_data(dossiers: Sequence[Any], *, max_hits: int = 40) -> dict[str, Any]:
    """The search's and the downloads' data for ``dossiers``, ready for :func:`cib.report.safety.safe_json`.

    Parameters
    ----------
    dossiers
        :class:`cib.report.dossier.Dossier` objects, in the page's order.
    max_hits
        Matches the search lists at once (``report.search_hits``).

    Returns
    -------
    dict
        ``columns`` (``members``, ``posts``), ``formula`` (the spreadsheet rule as a
        JavaScript pattern), ``max_hits`` and ``dossiers`` (dossier anchor → ``id, name, topic,
        members, member_places, posts, post_places``).
    """
    return {
        "columns": {"members": list(MEMBER_COLUMNS), "posts": list(POST_COLUMNS)},
        "formula": FORMULA_JS,
        "max_hits": max_hits,
        "dossiers": {d.anchor: _dossier(d) for d in dossiers},
    }
