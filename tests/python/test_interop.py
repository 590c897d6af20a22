"""breachlab datasets read natively by pyarrow, pandas, polars and DuckDB.

Reads every table of a dataset, checks its column types and row counts against
manifest.json and every file's SHA-256, then joins the hive-partitioned events to
truth in DuckDB and checks the attack events per campaign against campaigns.parquet.

The dataset: the folder in BREACHLAB_DATASET, or one generated here with the binary in
BREACHLAB_BIN (see run.sh).
"""

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

TIMESTAMP = pa.timestamp("us", tz="UTC")

# The published schema (breachlab_schema), as pyarrow types.
SCHEMAS = {
    "events": {
        "event_id": pa.int64(), "ts": TIMESTAMP, "client_ip": pa.string(),
        "ip_asn": pa.int32(), "ip_kind": pa.string(), "country": pa.string(),
        "user_agent": pa.string(), "client_kind": pa.string(), "api_key_id": pa.string(),
        "principal_id": pa.int64(), "session_id": pa.int64(), "method": pa.string(),
        "route": pa.string(), "path": pa.string(), "target_id": pa.int64(),
        "status": pa.int16(), "latency_ms": pa.float32(), "response_bytes": pa.int32(),
        "records_returned": pa.int32(),
    },
    "truth": {
        "event_id": pa.int64(), "ts": TIMESTAMP, "is_attack": pa.bool_(),
        "campaign_id": pa.int32(), "actor_id": pa.int64(), "phase": pa.string(),
        "owasp_api": pa.string(), "oat": pa.string(), "attack_technique": pa.string(),
        "record_exposed": pa.bool_(), "records_exposed": pa.int32(),
    },
    "accounts": {
        "account_id": pa.int64(), "account_number": pa.string(), "first_name": pa.string(),
        "last_name": pa.string(), "billing_street": pa.string(), "billing_city": pa.string(),
        "billing_state": pa.string(), "billing_postal_code": pa.string(),
        "email": pa.string(), "phone": pa.string(), "date_of_birth": pa.date32(),
        "lines": pa.int16(), "plan": pa.string(), "created_date": pa.date32(),
    },
    "campaigns": {
        "campaign_id": pa.int32(), "name": pa.string(), "kind": pa.string(),
        "technique": pa.string(), "start": TIMESTAMP, "end": TIMESTAMP,
        "events": pa.int64(), "distinct_ips": pa.int64(), "distinct_api_keys": pa.int64(),
        "distinct_principals": pa.int64(), "records_targeted": pa.int64(),
        "records_exposed": pa.int64(), "owasp_api": pa.string(), "oat": pa.string(),
        "attack_technique": pa.string(),
    },
}


def table_dataset(root: Path, table: str) -> ds.Dataset:
    if table == "campaigns":
        return ds.dataset(root / "campaigns.parquet", format="parquet")
    partitioning = "hive" if table in ("events", "truth") else None
    return ds.dataset(root / table, format="parquet", partitioning=partitioning)


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_every_table_has_the_published_types_and_manifest_row_count(root, manifest, table):
    data = table_dataset(root, table)
    for name, expected in SCHEMAS[table].items():
        assert data.schema.field(name).type == expected, f"{table}.{name}"
    if table in ("events", "truth"):
        # the hive partition column, from the folder names
        assert "date" in data.schema.names
    assert data.count_rows() == manifest["row_counts"][table]
    for entry in manifest["files"]:
        if entry["table"] == table:
            assert pq.ParquetFile(root / entry["path"]).metadata.num_rows == entry["rows"]


def test_every_file_matches_its_manifest_sha256(root, manifest):
    assert manifest["files"], "the manifest lists no files"
    for entry in manifest["files"]:
        data = (root / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"], entry["path"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]


def test_every_file_carries_the_manifest_header(root, manifest):
    for entry in manifest["files"]:
        key_value = pq.ParquetFile(root / entry["path"]).metadata.metadata
        header = json.loads(key_value[b"breachlab.manifest"])
        assert header["seed"] == manifest["seed"]
        assert header["scenario"]["sha256"] == manifest["scenario"]["sha256"]


def test_events_read_with_pandas_and_polars(root, manifest):
    frame = pd.read_parquet(root / "events")
    assert len(frame) == manifest["row_counts"]["events"]
    assert str(frame["ts"].dtype) == "datetime64[us, UTC]"
    assert frame["event_id"].is_unique
    assert frame.sort_values("event_id")["ts"].is_monotonic_increasing

    lazy = pl.scan_parquet(str(root / "events" / "**" / "*.parquet"), hive_partitioning=True)
    events = lazy.select(pl.len(), pl.col("status").is_between(200, 299).mean()).collect()
    assert events.item(0, 0) == manifest["row_counts"]["events"]
    assert 0.9 < events.item(0, 1) < 1.0
    assert lazy.collect_schema()["ts"] == pl.Datetime("us", "UTC")


def test_duckdb_join_counts_each_campaigns_events(root):
    con = duckdb.connect()
    glob = lambda table: str(root / table / "*" / "*.parquet")  # noqa: E731
    per_day = con.execute(
        f"""
        SELECT t.campaign_id, e.date, count(*) AS events
        FROM read_parquet('{glob("events")}', hive_partitioning = true) e
        JOIN read_parquet('{glob("truth")}', hive_partitioning = true) t USING (event_id)
        WHERE t.campaign_id IS NOT NULL
        GROUP BY ALL
        """
    ).fetchall()
    totals: dict[int, int] = {}
    for campaign_id, _day, events in per_day:
        totals[campaign_id] = totals.get(campaign_id, 0) + events
    campaigns = con.execute(
        f"SELECT campaign_id, events FROM read_parquet('{root / 'campaigns.parquet'}')"
    ).fetchall()
    assert campaigns, "campaigns.parquet is empty"
    expected = {cid: n for cid, n in campaigns if n > 0}
    assert totals == expected
    # every event has exactly one truth row
    unmatched = con.execute(
        f"""
        SELECT count(*) FROM read_parquet('{glob("events")}') e
        ANTI JOIN read_parquet('{glob("truth")}') t USING (event_id)
        """
    ).fetchone()[0]
    assert unmatched == 0
