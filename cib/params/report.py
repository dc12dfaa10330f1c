"""The HTML report."""

from __future__ import annotations

from cib.params.param import Param

__all__ = ["PARAMS"]

PARAMS: tuple[Param, ...] = (
    # --- report --------------------------------------------------------------
    Param(
        "report.few_edges",
        20,
        "edges",
        "When fewer edges than this survive detection, or no network is found, the terminal and the report "
        "say how many candidate edges each filter removed and which command would show them.",
        kind="int",
        min=0,
    ),
    Param(
        "report.timezone",
        "UTC",
        "IANA zone",
        "Time zone in which the report shows times and draws its hour-of-day and weekday charts.",
        kind="zone",
    ),
    Param(
        "report.max_accounts_drawn",
        5000,
        "accounts",
        "Most flagged accounts drawn one by one in the network view (highest degree first); the rest are counted in the caption.",
        kind="int",
        min=0,
    ),
    Param(
        "report.max_edges_drawn",
        20000,
        "links",
        "Most links between accounts drawn in the network view (strongest first).",
        kind="int",
        min=0,
    ),
    Param(
        "report.webgl_above",
        2000,
        "points",
        "The network view is drawn with WebGL (Plotly Scattergl) above this many points.",
        kind="int",
        min=0,
    ),
    Param(
        "report.cluster_view_above",
        1000,
        "accounts",
        "With more flagged accounts than this the network view opens at cluster level (one bubble per network).",
        kind="int",
        min=0,
    ),
    Param(
        "report.networks_listed",
        1000,
        "networks",
        "Most networks listed in the table of networks (flagged ones first, then those judged organic); the page counts the rest.",
        kind="int",
        min=0,
    ),
    Param(
        "report.max_dossiers",
        50,
        "networks",
        "Most flagged networks given a dossier (most concerning first); the others are rows of the table only.",
        kind="int",
        min=0,
    ),
    Param(
        "report.evidence_groups",
        10,
        "groups",
        "Groups of coordinated posts shown as evidence in each network's dossier (most accounts first).",
        kind="int",
        min=0,
    ),
    Param(
        "report.evidence_posts",
        25,
        "posts",
        "Posts listed in one evidence group (earliest first).",
        kind="int",
        min=0,
    ),
    Param(
        "report.members_listed",
        1000,
        "accounts",
        "Members listed in a network's table (highest score first).",
        kind="int",
        min=0,
    ),
    Param(
        "report.top_items",
        15,
        "items",
        "Terms, hashtags, domains and shared objects listed per network.",
        kind="int",
        min=0,
    ),
    Param(
        "report.term_background_posts",
        200000,
        "posts",
        "Most posts of accounts outside the described networks read to judge how common a word is (an even sample beyond).",
        kind="int",
        min=0,
    ),
    Param(
        "report.text_chars",
        500,
        "characters",
        "Post texts longer than this are cut in the report (the tables keep the full text).",
        kind="int",
        min=1,
    ),
    Param(
        "report.csv_max_rows",
        1_048_576,
        "rows",
        "Most rows in one CSV export, header included (a spreadsheet opens 1,048,576); a longer table is written in "
        "numbered parts (evidence-001.csv, evidence-002.csv, …), each with the header.",
        kind="int",
        min=2,
    ),
    Param(
        "report.search_hits",
        40,
        "matches",
        "Matches the report's search lists at once (accounts, posts and networks of the dossiers); it says how many more there are.",
        kind="int",
        min=1,
        max=10000,
    ),
    Param(
        "report.name_chars",
        32,
        "characters",
        "Longest hashtag, domain or term a network is named by (its number comes first: Network 3 · #tag · ru); longer ones are cut.",
        kind="int",
        min=4,
        max=200,
    ),
    Param(
        "report.timeline_clusters",
        8,
        "networks",
        "Networks drawn as their own line in the timeline (largest first); the others are summed.",
        kind="int",
        min=0,
    ),
)
