"""Parameters are declared once and documented; tables carry their schema version."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from cib.config import load_config, registry
from cib.errors import ConfigError, SchemaError
from cib.schema import SCHEMAS, read_table, write_table

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_is_documented():
    doc = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", doc, flags=re.M))
    assert set(registry()) <= documented, sorted(set(registry()) - documented)
    assert documented <= set(registry()), sorted(documented - set(registry()))


def test_every_parameter_has_unit_and_help():
    for p in registry().values():
        assert p.unit and p.help.endswith("."), p.name


def test_toml_layers_under_flags(tmp_path):
    toml = tmp_path / "cib.toml"
    toml.write_text("[ingest]\nraw_chars = 80\ndefault_timezone = \"Asia/Almaty\"\n")
    cfg = load_config(toml, overrides={"ingest.raw_chars": 40})
    assert cfg["ingest.raw_chars"] == 40
    assert cfg["ingest.default_timezone"] == "Asia/Almaty"
    assert cfg.origins["ingest.default_timezone"] == str(toml)
    assert cfg.origins["ingest.raw_chars"] == "flag"


@pytest.mark.parametrize(
    "text, words",
    [("[ingest]\nraw_chars = \"x\"\n", "is not a valid int"), ("[ingest]\nnope = 1\n", "unknown parameter ingest.nope"), ("[ingest\n", "not valid TOML")],
)
def test_bad_toml_is_a_config_error(tmp_path, text, words):
    toml = tmp_path / "cib.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_config(toml)


def test_tables_record_version_and_parameters(tmp_path):
    cfg = load_config()
    path = write_table(pl.DataFrame({"post_id": ["1"]}), tmp_path / "posts.parquet", "posts", params=cfg.as_dict())
    back = read_table(path, "posts")
    assert back.columns == list(SCHEMAS["posts"])
    assert back.schema["created_at"] == pl.Datetime("us", "UTC")
    meta = pl.read_parquet_metadata(path)
    assert meta["cib.schema_version"] == "1"
    assert '"run.seed": 42' in meta["cib.params"]


def test_other_schema_version_is_a_clear_error(tmp_path):
    path = tmp_path / "posts.parquet"
    pl.DataFrame({"post_id": ["1"]}).write_parquet(path, metadata={"cib.table": "posts", "cib.schema_version": "0"})
    with pytest.raises(SchemaError, match="schema version 0"):
        read_table(path, "posts")
    pl.DataFrame({"x": [1]}).write_parquet(path)
    with pytest.raises(SchemaError, match="not written by cib"):
        read_table(path, "posts")


def test_same_input_gives_byte_identical_tables(tmp_path):
    from cib.ingest import ingest

    data = Path(__file__).parent / "data" / "formats" / "generic_nasty.csv"
    cfg = load_config()
    outs = []
    for i in range(2):
        res = ingest(data, cfg)
        outs.append(write_table(res.posts, tmp_path / f"p{i}.parquet", "posts", params=cfg.as_dict()).read_bytes())
    assert outs[0] == outs[1]
