"""Links to the originals: a post or a profile on the platform it came from.

Ids and handles come from the data under investigation, so a link is built only
from an id or handle that matches its platform's strict pattern (digits, or the
characters the platform allows in a handle, at the lengths it allows), into a
fixed ``https://`` address on the platform's own host. A post id that is itself
a URL (CrowdTangle's) becomes a link only when it is ``http(s)`` and points at
that platform's hosts. Anything else gives ``None``: the report shows the id as
text.

| platform | post | profile |
|---|---|---|
| X / Twitter | ``x.com/i/web/status/<digits>`` | ``x.com/<handle>``, else ``x.com/i/user/<digits>`` |
| Telegram | ``t.me/c/<chat>/<message>`` (``<chat>:<message>``) | ``t.me/<username>`` |
| Facebook | its URL, or ``facebook.com/<page>/posts/<post>`` (``<page>_<post>``) | ``facebook.com/<digits or username>`` |
| Instagram | its URL, or ``instagram.com/p/<shortcode>/`` | ``instagram.com/<username>/`` |
| YouTube | ``youtube.com/watch?v=<video id>`` | ``youtube.com/channel/<UC…>``, ``youtube.com/@<handle>`` |
| TikTok | ``tiktok.com/@<handle>/video/<digits>`` | ``tiktok.com/@<handle>`` |
| VK | ``vk.com/wall<owner>_<post>`` | ``vk.com/<screen name>``, ``vk.com/id<digits>`` |
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cib.report.safety import safe_url

__all__ = ["PLATFORMS", "platform_key", "post_url", "profile_url", "short_id"]

#: the platform names the data may use, by the platform they mean
_ALIASES = {
    "x": "x", "twitter": "x", "tw": "x",
    "telegram": "telegram", "tg": "telegram",
    "facebook": "facebook", "fb": "facebook",
    "instagram": "instagram", "ig": "instagram",
    "youtube": "youtube", "yt": "youtube",
    "tiktok": "tiktok",
    "vk": "vk", "vkontakte": "vk",
}  # fmt: skip
#: the platforms cib links to
PLATFORMS = tuple(sorted(set(_ALIASES.values())))
#: the hosts a platform's own post URLs live on (and their subdomains)
_HOSTS = {
    "x": ("x.com", "twitter.com"),
    "telegram": ("t.me", "telegram.me"),
    "facebook": ("facebook.com", "fb.com", "fb.watch"),
    "instagram": ("instagram.com",),
    "youtube": ("youtube.com", "youtu.be"),
    "tiktok": ("tiktok.com",),
    "vk": ("vk.com",),
}

_DIGITS = re.compile(r"\d{1,20}")
_TELEGRAM_POST = re.compile(r"(-?\d{1,20})[:/](\d{1,12})")
_FACEBOOK_POST = re.compile(r"(\d{1,20})_(\d{1,20})")
_INSTAGRAM_CODE = re.compile(r"[A-Za-z0-9_-]{5,40}")
_YOUTUBE_VIDEO = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_CHANNEL = re.compile(r"UC[A-Za-z0-9_-]{22}")
_VK_POST = re.compile(r"-?\d{1,20}_\d{1,20}")
_VK_OWNER = re.compile(r"(-?)(\d{1,20})")
#: usernames as each platform allows them
_HANDLES = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}"),
    "facebook": re.compile(r"[A-Za-z0-9.]{5,50}"),
    "instagram": re.compile(r"[A-Za-z0-9._]{1,30}"),
    "youtube": re.compile(r"[A-Za-z0-9._-]{3,30}"),
    "tiktok": re.compile(r"[A-Za-z0-9._]{2,24}"),
    "vk": re.compile(r"[A-Za-z][A-Za-z0-9_.]{1,31}"),
}


def platform_key(platform: str | None) -> str | None:
    """The platform a name in the data means (``"Twitter"`` → ``"x"``), ``None`` when cib links to none."""
    return _ALIASES.get((platform or "").strip().lower())


def _handle(platform: str, handle: str | None) -> str | None:
    """``handle`` without a leading ``@`` when it is a valid username on ``platform``."""
    name = (handle or "").removeprefix("@")
    return name if name and _HANDLES[platform].fullmatch(name) else None


def _own_url(platform: str, value: str) -> str | None:
    """``value`` when it is an http(s) URL on one of ``platform``'s hosts."""
    url = safe_url(value)
    if url is None:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return url if any(host == h or host.endswith("." + h) for h in _HOSTS[platform]) else None


def post_url(platform: str | None, post_id: str | None, handle: str | None = None) -> str | None:
    """The address of a post on its platform, or ``None`` when none can be built safely.

    Parameters
    ----------
    platform
        The post's ``platform`` (any spelling of :data:`PLATFORMS`).
    post_id
        Its id as the source gave it.
    handle
        Its author's handle (TikTok's addresses need it).

    Returns
    -------
    str or None
        An ``https://`` URL on the platform's host.
    """
    key = platform_key(platform)
    if key is None or not post_id:
        return None
    pid = post_id.strip()
    if key in {"facebook", "instagram", "x", "telegram", "youtube", "tiktok", "vk"} and (own := _own_url(key, pid)):
        return own
    if key == "x" and _DIGITS.fullmatch(pid):
        return f"https://x.com/i/web/status/{pid}"
    if key == "telegram" and (m := _TELEGRAM_POST.fullmatch(pid)):
        chat = m.group(1).removeprefix("-100").removeprefix("-")
        return f"https://t.me/c/{chat}/{m.group(2)}"
    if key == "facebook" and (m := _FACEBOOK_POST.fullmatch(pid)):
        return f"https://www.facebook.com/{m.group(1)}/posts/{m.group(2)}"
    if key == "instagram" and _INSTAGRAM_CODE.fullmatch(pid):
        return f"https://www.instagram.com/p/{pid}/"
    if key == "youtube" and _YOUTUBE_VIDEO.fullmatch(pid):
        return f"https://www.youtube.com/watch?v={pid}"
    if key == "tiktok" and _DIGITS.fullmatch(pid) and (name := _handle(key, handle)):
        return f"https://www.tiktok.com/@{name}/video/{pid}"
    if key == "vk" and _VK_POST.fullmatch(pid):
        return f"https://vk.com/wall{pid}"
    return None


def profile_url(platform: str | None, account_id: str | None, handle: str | None = None) -> str | None:
    """The address of an account's profile on its platform, or ``None`` when none can be built safely.

    Parameters
    ----------
    platform
        The account's ``platform``.
    account_id
        Its id as the source gave it.
    handle
        Its handle (username), preferred where the platform addresses profiles by name.

    Returns
    -------
    str or None
        An ``https://`` URL on the platform's host.
    """
    key = platform_key(platform)
    if key is None:
        return None
    name = _handle(key, handle)
    aid = (account_id or "").strip()
    if key == "x":
        return f"https://x.com/{name}" if name else (f"https://x.com/i/user/{aid}" if _DIGITS.fullmatch(aid) else None)
    if key == "telegram":
        return f"https://t.me/{name}" if name else None
    if key == "facebook":
        target = aid if _DIGITS.fullmatch(aid) else name
        return f"https://www.facebook.com/{target}" if target else None
    if key == "instagram":
        return f"https://www.instagram.com/{name}/" if name else None
    if key == "youtube":
        if _YOUTUBE_CHANNEL.fullmatch(aid):
            return f"https://www.youtube.com/channel/{aid}"
        return f"https://www.youtube.com/@{name}" if name else None
    if key == "tiktok":
        return f"https://www.tiktok.com/@{name}" if name else None
    if name:
        return f"https://vk.com/{name}"
    owner = _VK_OWNER.fullmatch(aid)
    return f"https://vk.com/{'club' if owner.group(1) else 'id'}{owner.group(2)}" if owner else None


def short_id(value: str | None, keep: int = 12) -> str:
    """An id short enough to sit under a handle: its first ``keep`` characters and ``…`` when longer."""
    text = value or ""
    return text if len(text) <= keep + 2 else text[:keep] + "…"
