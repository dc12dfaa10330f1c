"""Vectorised slot-filling: turn (template id, salt) arrays into text columns.

Every template is compiled into a fixed-width row of pool indices (literal,
slot, literal, slot, …) so that a whole column of texts is built with one
gather per segment and one ``concat_str``, whatever the mix of templates.
Slot choices come from a counter-based hash of the salt rather than a
sequential generator, so a post's text is a pure function of its salt and can
be rendered again in any chunk (a reshare renders its original's text).
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from cib.synth.texts import FAMILIES, LANGS
from cib.synth.vocab import VOCAB

__all__ = ["TextBank", "mix64", "salts"]

_SLOT = re.compile(r"\{(\w+)\}")
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_MASK = (1 << 64) - 1


def mix64(x: np.ndarray) -> np.ndarray:
    """Return the splitmix64 finaliser of ``x`` (a fast, well-spread integer hash).

    Parameters
    ----------
    x
        Unsigned 64-bit integers; overflow wraps by design.

    Returns
    -------
    numpy.ndarray
        Hashed values, ``uint64``.
    """
    z = np.asarray(x, dtype=np.uint64) + _GOLD
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def salts(index: np.ndarray, key: int) -> np.ndarray:
    """Hash row indices with a key into per-row salts.

    Parameters
    ----------
    index
        Row numbers (any integer dtype).
    key
        A seed-derived key; different keys give independent texts.

    Returns
    -------
    numpy.ndarray
        ``uint64`` salts.
    """
    k = mix64(np.array([key & _MASK], dtype=np.uint64))[0]
    return mix64(np.asarray(index).astype(np.uint64) ^ k)


class TextBank:
    """Compiled templates and vocabularies, plus templates added at plan time.

    Families and vocabularies come from :mod:`cib.synth.texts`; networks add
    their own frozen copypasta with :meth:`freeze`. Call :meth:`compile` once
    after the last template is added and before :meth:`render`.
    """

    def __init__(self) -> None:
        self._pool: list[str] = [""]
        self._literal: dict[str, int] = {"": 0}
        self._vocab: dict[str, tuple[int, int]] = {}
        self._raw: list[tuple[str, int]] = []
        self._family: dict[tuple[str, int], np.ndarray] = {}
        for name, words in VOCAB.items():
            self._vocab[name] = (len(self._pool), len(words))
            self._pool.extend(words)
        for fam, by_lang in FAMILIES.items():
            for lang, texts in by_lang.items():
                li = LANGS.index(lang)
                ids = [self.add(t, li) for t in texts]
                self._family[(fam, li)] = np.array(ids, dtype=np.int32)
        self._compiled = False

    # -- building -----------------------------------------------------------
    def _resolve(self, slot: str, lang: int) -> str:
        local = f"{LANGS[lang]}.{slot}"
        if local in self._vocab:
            return local
        if slot in self._vocab:
            return slot
        raise KeyError(f"template slot {{{slot}}} has no vocabulary for {LANGS[lang]}")

    def add(self, text: str, lang: int) -> int:
        """Register a template and return its id (its slots must resolve)."""
        for slot in _SLOT.findall(text):
            self._resolve(slot, lang)
        self._raw.append((text, lang))
        self._compiled = False
        return len(self._raw) - 1

    def family(self, name: str, lang: int) -> np.ndarray:
        """Return the template ids of a family in one language."""
        return self._family[(name, lang)]

    def pick(self, rng: np.random.Generator, name: str, lang: np.ndarray) -> np.ndarray:
        """Draw one template per row from a family, in each row's language.

        Parameters
        ----------
        rng
            Random generator.
        name
            Family name.
        lang
            Language code per row (index into ``LANGS``).

        Returns
        -------
        numpy.ndarray
            Template ids, ``int32``.
        """
        lang = np.asarray(lang)
        out = np.empty(lang.shape[0], dtype=np.int32)
        u = rng.random(lang.shape[0])
        for li in range(len(LANGS)):
            m = lang == li
            if m.any():
                ids = self.family(name, li)
                out[m] = ids[np.minimum((u[m] * len(ids)).astype(np.int64), len(ids) - 1)]
        return out

    def freeze(self, template: int, rng: np.random.Generator, keep: tuple[str, ...] = ("p", "emo", "emo2")) -> int:
        """Fill every slot except ``keep`` once, giving a new fixed template.

        Copypasta needs one wording per network with only cosmetic slots left,
        so copies are the same text with emoji or punctuation changes.
        """
        text, lang = self._raw[template]

        def fill(m: re.Match[str]) -> str:
            if m.group(1) in keep:
                return m.group(0)
            off, size = self._vocab[self._resolve(m.group(1), lang)]
            return self._pool[off + int(rng.integers(size))].replace("{", "(").replace("}", ")")

        return self.add(_SLOT.sub(fill, text), lang)

    def lang_of(self, templates: np.ndarray) -> np.ndarray:
        """Return the language code of each template id."""
        self._require()
        return self._tlang[templates]

    # -- compiling and rendering --------------------------------------------
    def _lit(self, s: str) -> int:
        if s not in self._literal:
            self._literal[s] = len(self._pool)
            self._pool.append(s)
        return self._literal[s]

    def compile(self) -> None:
        """Lay every template out as fixed-width index rows for :meth:`render`."""
        parsed = []
        for text, lang in self._raw:
            pieces = _SLOT.split(text)  # literal, slot, literal, ...
            parsed.append((pieces[0::2], [self._vocab[self._resolve(s, lang)] for s in pieces[1::2]], lang))
        width = max(len(s) for _, s, _ in parsed)
        n = len(parsed)
        lit = np.zeros((n, width + 1), dtype=np.int64)
        off = np.zeros((n, width), dtype=np.int64)
        size = np.ones((n, width), dtype=np.uint64)
        tlang = np.zeros(n, dtype=np.int8)
        for i, (lits, slots, lang) in enumerate(parsed):
            for k, s in enumerate(lits):
                lit[i, k] = self._lit(s)
            for k, (o, z) in enumerate(slots):
                off[i, k], size[i, k] = o, z
            tlang[i] = lang
        self._lit_idx, self._off, self._size, self._tlang = lit, off, size, tlang
        self._pool_s = pl.Series("pool", self._pool, dtype=pl.String)
        self._compiled = True

    def _require(self) -> None:
        if not self._compiled:
            self.compile()

    def render(self, templates: np.ndarray, salt: np.ndarray) -> pl.Series:
        """Render one text per row.

        Parameters
        ----------
        templates
            Template id per row.
        salt
            ``uint64`` salt per row; slot ``k`` uses ``mix64(salt + k·φ)``.

        Returns
        -------
        polars.Series
            The texts, ``String``.
        """
        self._require()
        t = np.asarray(templates, dtype=np.int64)
        salt = np.asarray(salt, dtype=np.uint64)
        pool = self._pool_s
        cols = {"l0": pool.gather(self._lit_idx[t, 0])}
        for k in range(self._off.shape[1]):
            size = self._size[t, k]
            used = size > 1  # one-word and unused slots need no hashing
            choice = self._off[t, k].copy()
            if used.any():
                h = mix64(salt[used] + np.uint64(((k + 1) * int(_GOLD)) & _MASK))
                choice[used] += (h % size[used]).astype(np.int64)
            cols[f"s{k}"] = pool.gather(choice)
            cols[f"l{k + 1}"] = pool.gather(self._lit_idx[t, k + 1])
        return pl.DataFrame(cols).select(pl.concat_str(pl.all()).str.replace_all(r" {2,}", " ").str.strip_chars().alias("text")).to_series()
