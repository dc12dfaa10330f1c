"""The scenario's calendar and vectorised time sampling.

The collection covers five weeks of a snap presidential election in the
fictional Republic of Tenir: a protest day in week two and election day in
week four. Populations are generated on a local clock at UTC+5 (no daylight
saving): daily rhythms are drawn in local time and converted to UTC seconds;
:func:`cib.synth.synth` moves the whole collection to another offset
(``utc_offset``) once it is generated.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

__all__ = [
    "T0",
    "END",
    "N_DAYS",
    "LOCAL",
    "PROTEST_DAY",
    "ELECTION_DAY",
    "PROTEST_EVENT",
    "EXIT_POLL_EVENT",
    "HOURS_ORGANIC",
    "HOURS_FLAT",
    "day_weights",
    "sample_times",
    "work_times",
    "local_day",
    "local_hour",
    "is_work_time",
    "iso_date",
]

LOCAL = 5 * 3600
N_DAYS = 35
#: local midnight of Monday 17 February 2025, in UTC seconds
T0 = int(datetime(2025, 2, 17, tzinfo=UTC).timestamp()) - LOCAL
END = T0 + N_DAYS * 86400
PROTEST_DAY = 10  # Thursday 27 February
ELECTION_DAY = 27  # Sunday 16 March
#: a breaking-news moment: police disperse the protest at 15:42:17 local
PROTEST_EVENT = T0 + PROTEST_DAY * 86400 + 15 * 3600 + 42 * 60 + 17
#: the exit poll is published at 20:00:05 local on election day
EXIT_POLL_EVENT = T0 + ELECTION_DAY * 86400 + 20 * 3600 + 5

# people sleep 01-07 local and peak in the evening
HOURS_ORGANIC = np.array(
    [0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 1.0,
     1.05, 1.0, 0.95, 0.95, 1.0, 1.05, 1.15, 1.3, 1.4, 1.35, 1.1, 0.7]
)
HOURS_FLAT = np.ones(24)


def day_weights(election_boost: float = 1.0) -> np.ndarray:
    """Relative activity per collection day.

    Interest grows towards election day, spikes on the protest day and on
    election day and its aftermath, and dips a little at weekends.

    Parameters
    ----------
    election_boost
        Multiplies the spikes (political actors care more than most).

    Returns
    -------
    numpy.ndarray
        Probabilities over the ``N_DAYS`` days.
    """
    d = np.arange(N_DAYS, dtype=np.float64)
    w = 1.0 + 0.6 * np.clip(d / ELECTION_DAY, 0, 1)
    w[(d % 7) >= 5] *= 0.9
    w[PROTEST_DAY] *= 1.0 + 1.5 * election_boost
    w[PROTEST_DAY + 1] *= 1.0 + 0.5 * election_boost
    w[ELECTION_DAY] *= 1.0 + 2.0 * election_boost
    w[ELECTION_DAY + 1] *= 1.0 + 1.0 * election_boost
    return w / w.sum()


def sample_times(
    rng: np.random.Generator,
    n: int,
    hours: np.ndarray = HOURS_ORGANIC,
    days: np.ndarray | None = None,
) -> np.ndarray:
    """Draw ``n`` UTC times (seconds) from a local-time day and hour profile.

    Parameters
    ----------
    rng
        Random generator.
    n
        How many times.
    hours
        Relative weight of each local hour (24 values).
    days
        Probabilities over days; :func:`day_weights` when omitted.

    Returns
    -------
    numpy.ndarray
        ``int64`` UTC epoch seconds, unsorted.
    """
    days = day_weights() if days is None else days
    d = rng.choice(N_DAYS, size=n, p=days)
    h = rng.choice(24, size=n, p=hours / hours.sum())
    s = rng.integers(0, 3600, size=n)
    return T0 + d.astype(np.int64) * 86400 + h.astype(np.int64) * 3600 + s


def work_times(rng: np.random.Generator, n: int, start: int = 9, stop: int = 18) -> np.ndarray:
    """Draw times on weekdays between ``start`` and ``stop`` o'clock local.

    Troll operators keep office hours; this is what betrays them.

    Parameters
    ----------
    rng
        Random generator.
    n
        How many times.
    start, stop
        Local hours bounding the shift.

    Returns
    -------
    numpy.ndarray
        ``int64`` UTC epoch seconds.
    """
    weekdays = np.flatnonzero(np.arange(N_DAYS) % 7 < 5)
    w = day_weights()[weekdays]
    d = rng.choice(weekdays, size=n, p=w / w.sum())
    s = rng.integers(start * 3600, stop * 3600, size=n)
    return T0 + d.astype(np.int64) * 86400 + s


def local_day(t: np.ndarray) -> np.ndarray:
    """Collection day (0-based, local calendar) of UTC times."""
    return (np.asarray(t) - T0) // 86400


def local_hour(t: np.ndarray) -> np.ndarray:
    """Local hour of day of UTC times."""
    return ((np.asarray(t) - T0) % 86400) // 3600


def is_work_time(t: np.ndarray, start: int = 9, stop: int = 18) -> np.ndarray:
    """Whether UTC times fall on a weekday between ``start`` and ``stop`` local."""
    h = local_hour(t)
    return (local_day(t) % 7 < 5) & (h >= start) & (h < stop)


def iso_date(t: int) -> str:
    """Format one UTC epoch second as ``YYYY-MM-DD`` (UTC)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
