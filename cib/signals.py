"""The signal names (a DESIGN contract), listed once for parameters, detectors, scores and the report.

Two kinds of detector serve them: the windowed co-occurrence engine
(:mod:`cib.detect.engine`) serves :data:`WINDOWED`, each with its own
``detect.<signal>.window``; :data:`ENGINES` have detectors of their own
(``co_similar_text``: :mod:`cib.detect.similar`, window ``similar.window``;
``co_paraphrase``: :mod:`cib.detect.paraphrase`, window ``paraphrase.window``, off
unless named in ``detect.signals`` (:data:`OPT_IN`: it runs a language model);
``sync``: :mod:`cib.detect.sync`, bin sizes ``sync.bins``; ``amplify``:
:mod:`cib.detect.amplify`, one account resharing another's own posts, window
``amplify.window``).
"""

from __future__ import annotations

__all__ = ["WINDOWED", "ENGINES", "ALL", "OPT_IN", "DEFAULT", "OBJECTS", "window_param", "windowed_values"]

#: signals of the windowed co-occurrence engine, in the order it runs them
WINDOWED: tuple[str, ...] = ("co_reshare", "co_link", "co_text", "co_hashtag", "co_reply", "co_mention", "co_image")
#: signals with detectors of their own
ENGINES: tuple[str, ...] = ("co_similar_text", "sync", "amplify", "co_paraphrase")
#: every signal
ALL: tuple[str, ...] = WINDOWED + ENGINES
#: signals run only when ``detect.signals`` names them
OPT_IN: tuple[str, ...] = ("co_paraphrase",)
#: the signals ``detect.signals`` names by default
DEFAULT: tuple[str, ...] = tuple(s for s in ALL if s not in OPT_IN)

#: what two accounts share in each signal, in words (parameter help, the report's methods)
OBJECTS: dict[str, str] = {
    "co_reshare": "reshares of one post",
    "co_link": "shares of one canonical URL (originals only)",
    "co_text": "posts with one normalised text",
    "co_hashtag": "uses of one hashtag",
    "co_reply": "replies to one post",
    "co_mention": "mentions of one account",
    "co_image": "shares of one image hash or media id",
    "co_similar_text": "near-duplicate posts",
    "sync": "posts in one time bin",
    "amplify": "reshares of the other's own posts",
    "co_paraphrase": "posts saying the same in other words or languages",
}


def window_param(signal: str) -> str | None:
    """The parameter holding a signal's co-occurrence window (``None`` for ``sync``, which has bins)."""
    if signal in WINDOWED:
        return f"detect.{signal}.window"
    if signal == "co_similar_text":
        return "similar.window"
    if signal == "amplify":
        return "amplify.window"
    if signal == "co_paraphrase":
        return "paraphrase.window"
    return None


def windowed_values(value: object) -> dict[str, object]:
    """One window for every windowed signal: ``detect.<signal>.window = value`` for each.

    ``--window``, the presets and the sweep's ``window`` axis all set windows
    through this. ``co_similar_text`` keeps ``similar.window``: paraphrases are
    posted by hand over minutes to hours, not within the seconds of a reshare.
    """
    return {f"detect.{s}.window": value for s in WINDOWED}
