"""breachlab datasets read by Spark, checked against DuckDB's answer.

Two datasets of the same run (see run.sh): one generated whole (BREACHLAB_DATASET) and
one generated as shards into one folder and merged (BREACHLAB_SHARDED). For each, Spark
reads the hive-partitioned `events` and `truth` folders (`date=YYYY-MM-DD`), joins them
on `event_id`, and must give DuckDB's row counts, per-campaign aggregate (events and sum
of `records_exposed`) and values of the delta-encoded `event_id` and `ts` columns.
"""

import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

DATASETS = {"whole": "BREACHLAB_DATASET", "sharded": "BREACHLAB_SHARDED"}
# Rows compared value by value (the first ones by event_id).
HEAD_ROWS = 2000


@pytest.fixture(scope="session")
def spark():
    session = (
        SparkSession.builder.master("local[2]")
        .appName("breachlab-interop")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def dataset_root(name: str) -> Path:
    value = os.environ.get(DATASETS[name])
    if not value:
        pytest.fail(f"set {DATASETS[name]} (run tests/spark/run.sh)")
    return Path(value)


@pytest.fixture(scope="session", params=list(DATASETS))
def root(request) -> Path:
    return dataset_root(request.param)


def manifest(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def duck_glob(root: Path, table: str) -> str:
    return str(root / table / "*" / "*.parquet")


CAMPAIGNS_SQL = """
    SELECT t.campaign_id, count(*) AS events, sum(t.records_exposed) AS exposed
    FROM read_parquet('{events}', hive_partitioning = true) e
    JOIN read_parquet('{truth}', hive_partitioning = true) t USING (event_id)
    WHERE t.is_attack
    GROUP BY 1 ORDER BY 1
"""


def duckdb_campaigns(root: Path) -> list[tuple[int, int, int]]:
    sql = CAMPAIGNS_SQL.format(events=duck_glob(root, "events"), truth=duck_glob(root, "truth"))
    return [tuple(int(x) for x in row) for row in duckdb.connect().execute(sql).fetchall()]


def spark_campaigns(spark, root: Path) -> list[tuple[int, int, int]]:
    events = spark.read.parquet(str(root / "events"))
    truth = spark.read.parquet(str(root / "truth")).drop("ts", "date")
    rows = (
        events.join(truth, "event_id")
        .where(F.col("is_attack"))
        .groupBy("campaign_id")
        .agg(F.count(F.lit(1)).alias("events"), F.sum("records_exposed").alias("exposed"))
        .orderBy("campaign_id")
        .collect()
    )
    return [(int(r.campaign_id), int(r.events), int(r.exposed)) for r in rows]


def test_spark_reads_the_partitioned_tables_with_their_types(spark, root):
    events = spark.read.parquet(str(root / "events"))
    truth = spark.read.parquet(str(root / "truth"))
    fields = {f.name: f.dataType for f in events.schema.fields}
    # timestamp[us, UTC] is an instant: Spark's TimestampType, not TimestampNTZType
    assert fields["ts"] == T.TimestampType()
    assert fields["event_id"] == T.LongType()
    assert fields["status"] == T.ShortType()
    assert fields["latency_ms"] == T.FloatType()
    # the hive partition column, from the folder names
    assert fields["date"] == T.DateType()
    truth_fields = {f.name: f.dataType for f in truth.schema.fields}
    assert truth_fields["is_attack"] == T.BooleanType()
    assert truth_fields["records_exposed"] == T.IntegerType()
    counts = manifest(root)["row_counts"]
    assert events.count() == counts["events"]
    assert truth.count() == counts["truth"]


def test_every_event_joins_exactly_one_truth_row(spark, root):
    events = spark.read.parquet(str(root / "events"))
    truth = spark.read.parquet(str(root / "truth")).select("event_id", "is_attack")
    joined = events.join(truth, "event_id")
    assert joined.count() == manifest(root)["row_counts"]["events"]
    assert events.select("event_id").distinct().count() == events.count()


def test_campaign_aggregate_matches_duckdb(spark, root):
    expected = duckdb_campaigns(root)
    assert expected, "no attack events in the dataset"
    assert spark_campaigns(spark, root) == expected


def test_sharded_and_merged_dataset_gives_the_whole_runs_answer(spark):
    whole = spark_campaigns(spark, dataset_root("whole"))
    assert spark_campaigns(spark, dataset_root("sharded")) == whole
    counts = manifest(dataset_root("whole"))["row_counts"]
    assert manifest(dataset_root("sharded"))["row_counts"] == counts


def test_delta_encoded_columns_read_the_same_values(spark, root):
    # The test is only worth something if the files really hold delta-encoded columns.
    some_events = next((root / "events").glob("*/*.parquet"))
    columns = pq.ParquetFile(some_events).metadata.row_group(0)
    names = [columns.column(i).path_in_schema for i in range(columns.num_columns)]
    for name in ("event_id", "ts"):
        encodings = columns.column(names.index(name)).encodings
        assert "DELTA_BINARY_PACKED" in encodings, (name, encodings)

    for table in ("events", "truth"):
        frame = spark.read.parquet(str(root / table)).select(
            "event_id", F.unix_micros("ts").alias("ts_us"), F.col("date").cast("string")
        )
        spark_summary = frame.agg(
            F.count(F.lit(1)),
            F.min("event_id"),
            F.max("event_id"),
            F.expr("bit_xor(event_id)"),
            F.min("ts_us"),
            F.max("ts_us"),
            F.expr("bit_xor(ts_us)"),
        ).first()
        con = duckdb.connect()
        duck_summary = con.execute(
            f"""
            SELECT count(*), min(event_id), max(event_id), bit_xor(event_id),
                   min(epoch_us(ts)), max(epoch_us(ts)), bit_xor(epoch_us(ts))
            FROM read_parquet('{duck_glob(root, table)}', hive_partitioning = true)
            """
        ).fetchone()
        assert tuple(int(x) for x in spark_summary) == tuple(int(x) for x in duck_summary)

        spark_head = [
            (int(r.event_id), int(r.ts_us), r.date)
            for r in frame.orderBy("event_id").limit(HEAD_ROWS).collect()
        ]
        duck_head = [
            (int(a), int(b), str(c))
            for a, b, c in con.execute(
                f"""
                SELECT event_id, epoch_us(ts), CAST(date AS VARCHAR)
                FROM read_parquet('{duck_glob(root, table)}', hive_partitioning = true)
                ORDER BY event_id LIMIT {HEAD_ROWS}
                """
            ).fetchall()
        ]
        assert spark_head == duck_head
        # each row sits in the partition of its own UTC day
        misplaced = frame.where(
            F.to_date(F.timestamp_micros("ts_us")).cast("string") != F.col("date")
        ).count()
        assert misplaced == 0
