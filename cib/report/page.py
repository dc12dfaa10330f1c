"""The HTML page: one autoescaping Jinja2 template with its CSS, script and plotly.js inlined."""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from cib.report.methods import signal_name
from cib.report.naming import label_words
from cib.report.originals import short_id
from cib.report.safety import CSP

__all__ = ["environment", "template_environment", "render", "plotly_js", "asset"]

_LABELS = {"bot", "troll", "mixed", "organic"}


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)


def _score(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.2f}"


def _label_class(value: Any) -> str:
    return str(value) if value in _LABELS else "other"


def template_environment(package: str) -> jinja2.Environment:
    """Templates of ``package/templates``: autoescaping on for everything, undefined names are errors.

    Every page cib writes renders hostile text, so every page takes its
    environment from here.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def environment() -> jinja2.Environment:
    """The report's template environment, with its formatting filters."""
    env = template_environment("cib.report")
    env.filters.update(num=_num, score=_score, label_class=_label_class, label_words=label_words, signal_name=signal_name,
                       short_id=short_id)
    return env


def asset(name: str) -> str:
    """A file of ``cib/report/templates`` as text."""
    return resources.files("cib.report").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def plotly_js() -> str:
    """plotly.js, as shipped with the installed plotly package, safe to inline in a ``<script>``."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    # It contains no "</script" today; make sure a future version cannot end the element early.
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def render(context: dict[str, Any]) -> str:
    """The report's HTML for a context built by :func:`cib.report.build.report_context`."""
    template = environment().get_template("index.html.j2")
    return template.render(
        csp=CSP,
        css=asset("report.css"),
        # one script element: the page's own code is its drawing and its tools, nothing else runs
        js=asset("report.js") + "\n" + asset("workbench.js"),
        plotlyjs=plotly_js(),
        **context,
    )
