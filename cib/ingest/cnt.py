"""coordination-network-toolkit's CSV: the file its ``preprocess --format csv`` reads.

Columns, with a header row: ``message_id, user_id, username, repost_id,
reply_id, message, timestamp, urls``. ``repost_id`` is the post reshared,
``reply_id`` the post replied to (empty for neither), ``timestamp`` is in
Unix seconds and ``urls`` is space-separated. The toolkit reads the columns
by position; cib asks for the names, so a file whose header was renamed is
read with ``[ingest.columns]`` through the generic format instead.
"""

from __future__ import annotations

from cib.ingest.generic import renaming_format

__all__ = ["CNT_CSV"]

CNT_CSV = renaming_format(
    name="cnt_csv",
    needs="coordination-network-toolkit's CSV: message_id, user_id, username, repost_id, reply_id, "
    "message, timestamp (Unix seconds), urls (space-separated)",
    columns={
        "message_id": "post_id",
        "user_id": "account_id",
        "username": "account_handle",
        "repost_id": "reshare_of",
        "reply_id": "reply_to",
        "message": "text",
        "timestamp": "created_at",
        "urls": "urls",
    },
    required=("message_id", "user_id", "repost_id", "message", "timestamp"),
    kinds=frozenset({"csv", "tsv"}),
)
