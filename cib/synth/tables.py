"""Column builders the behaviour generators append to.

Generators work on integer codes only (account index, template id, tag id,
URL id); strings are made once, at export time, so ten million posts stay a
few hundred megabytes of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl

from cib.synth.render import TextBank
from cib.synth.timeline import N_DAYS, T0

__all__ = [
    "KINDS",
    "PLATFORMS",
    "CLIENTS",
    "ORIGINAL",
    "RESHARE",
    "REPLY",
    "QUOTE",
    "Columns",
    "Accounts",
    "Posts",
    "Urls",
    "Tags",
    "Network",
    "World",
    "first_pairs",
]

#: population kinds by code; the last three appear only where authentic coordination is planted
KINDS = ("organic", "bot", "troll", "news_bot", "fan_community", "breaking_news", "newsroom", "trend_uptake",
         "scheduled")
PLATFORMS = ("x", "telegram", "facebook")
CLIENTS = (
    "Twitter for Android",
    "Twitter for iPhone",
    "Twitter Web App",
    "Twitter for iPad",
    "TweetDeck",
    "IFTTT",
    "dlvr.it",
    "Hootsuite Inc.",
    "Buffer",
)
ORIGINAL, RESHARE, REPLY, QUOTE = 0, 1, 2, 3


class Columns:
    """Append-only columns with per-column defaults and dtypes.

    Parameters
    ----------
    spec
        Column name → (dtype, default).
    """

    def __init__(self, spec: dict[str, tuple[type, int]]) -> None:
        self._spec = spec
        self._parts: dict[str, list[np.ndarray]] = {k: [] for k in spec}
        self.n = 0

    def add(self, n: int, **cols: object) -> np.ndarray:
        """Append ``n`` rows; scalars broadcast, missing columns take defaults.

        Parameters
        ----------
        n
            Rows to append.
        **cols
            Column values: arrays of length ``n`` or scalars.

        Returns
        -------
        numpy.ndarray
            The new rows' indices.
        """
        unknown = set(cols) - set(self._spec)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        for name, (dtype, default) in self._spec.items():
            value = cols.get(name, default)
            self._parts[name].append(np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy())
        idx = np.arange(self.n, self.n + n, dtype=np.int64)
        self.n += n
        return idx

    def column(self, name: str) -> np.ndarray:
        """Return one column so far, concatenated (collapses its parts)."""
        parts = self._parts[name]
        if len(parts) != 1:
            dtype = self._spec[name][0]
            self._parts[name] = [np.concatenate(parts) if parts else np.empty(0, dtype=dtype)]
        return self._parts[name][0]

    def finish(self) -> dict[str, np.ndarray]:
        """Return every column, concatenated."""
        return {k: self.column(k) for k in self._spec}


class Accounts(Columns):
    """Account attributes: population kind, network, platform, looks."""

    def __init__(self) -> None:
        super().__init__(
            {
                "kind": (np.int8, 0),
                "net": (np.int16, -1),  # index into World.networks, -1 for none
                "platform": (np.int8, 0),
                "lang": (np.int8, 0),
                "style": (np.int8, 0),  # handle style, see people.STYLES
                "created": (np.int64, T0),
                "followers": (np.int64, 0),
                "following": (np.int64, 0),
                "client": (np.int16, 0),
                "bio": (np.int32, 0),  # template id
                "group": (np.int16, 0),  # style-specific: outlet or fandom number
            }
        )


class Posts(Columns):
    """Post events: who, when, what kind, about what."""

    def __init__(self) -> None:
        super().__init__(
            {
                "acct": (np.int32, 0),
                "t": (np.int64, T0),
                "typ": (np.int8, ORIGINAL),
                "target": (np.int64, -1),  # post index reshared / replied to / quoted
                "tmpl": (np.int32, -1),  # template id; reshares render their target's
                "tag1": (np.int16, -1),
                "tag2": (np.int16, -1),
                "url": (np.int32, -1),
                "media": (np.int8, 0),
            }
        )


_SLUGS = (
    "vybory-2025", "cik-itogi", "miting-v-altynsae", "novyi-most", "ceny-na-benzin", "debaty-kandidatov",
    "sailau-2025", "tenge-bagamy", "kokzhar-teplo", "protest-square", "exit-poll", "yavka", "nablyudateli",
    "byudzhet", "shkoly-remont", "pogoda-nedelya", "fk-beltau", "zarplaty-uchitelei", "internet-otklyuchen",
    "zaderzhaniya", "ukaz-prezidenta", "ipoteka", "pensii", "tarify-zhkh",
)


class Urls:
    """URLs as (domain, day, slug, sequence) codes, turned into text on demand."""

    def __init__(self) -> None:
        self.domains: list[str] = []
        self._cols = Columns({"domain": (np.int32, 0), "day": (np.int16, 0), "slug": (np.int16, 0)})

    def domain(self, name: str) -> int:
        """Register a domain (idempotent) and return its code."""
        if name not in self.domains:
            self.domains.append(name)
        return self.domains.index(name)

    def add(self, rng: np.random.Generator, n: int, domain: object, day: object) -> np.ndarray:
        """Create ``n`` distinct URLs and return their ids."""
        slug = rng.integers(0, len(_SLUGS), size=n)
        return self._cols.add(n, domain=domain, day=np.clip(np.asarray(day), 0, N_DAYS - 1), slug=slug)

    def strings(self) -> pl.Series:
        """Every URL as text, by id."""
        c = self._cols.finish()
        dates = pl.Series([datetime.fromtimestamp(T0 + 86400 * d + 43200, UTC).strftime("%Y/%m/%d")
                           for d in range(N_DAYS)])
        frame = pl.DataFrame(
            {
                "d": pl.Series(self.domains, dtype=pl.String).gather(c["domain"]),
                "p": dates.gather(c["day"]),
                "s": pl.Series(_SLUGS).gather(c["slug"]),
                "n": np.arange(len(c["day"]), dtype=np.int64) * 7 + 100_003,
            }
        )
        return frame.select(
            pl.concat_str([pl.lit("https://"), "d", pl.lit("/"), "p", pl.lit("/"), "s", pl.lit("-"), "n"])
        ).to_series()


class Tags:
    """Hashtag vocabulary (without '#'), by id."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def id(self, name: str) -> int:
        """Register a hashtag (idempotent) and return its id."""
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)

    def ids(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """Register several hashtags and return their ids."""
        return np.array([self.id(n) for n in names], dtype=np.int16)


@dataclass
class Network:
    """One planted network, as planned."""

    name: str
    kind: int
    platform: int
    members: np.ndarray


@dataclass
class World:
    """Everything generated so far: accounts, posts, URLs, hashtags, texts."""

    accounts: Accounts = field(default_factory=Accounts)
    posts: Posts = field(default_factory=Posts)
    urls: Urls = field(default_factory=Urls)
    tags: Tags = field(default_factory=Tags)
    bank: TextBank = field(default_factory=TextBank)
    networks: list[Network] = field(default_factory=list)
    #: the day's most-shared news stories, ``per_day`` URL ids per day (made on first use)
    hot_urls: np.ndarray | None = None


def first_pairs(acct: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mark the first row of each ``(acct, target)`` pair, so nobody reshares a post twice.

    Parameters
    ----------
    acct
        Account (or member) index per row.
    target
        Target post per row; rows with distinct negative targets never clash.

    Returns
    -------
    numpy.ndarray
        ``bool``, true where the pair is seen for the first time.
    """
    # one int64 key per pair: post indices stay far below 2**40
    key = acct.astype(np.int64) * (1 << 40) + target
    _, first = np.unique(key, return_index=True)
    once = np.zeros(len(key), dtype=bool)
    once[first] = True
    return once
