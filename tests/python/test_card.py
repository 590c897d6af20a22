"""The dataset card (README.md) read as a dataset hub and its users read it.

Its YAML front matter parses, its figures are the manifest's, its SHA-256 is the one the
manifest lists, and Hugging Face `datasets` loads every table through the card's own
configs (the Parquet loader, from the local folder: no network), each with the manifest's
row count and the published columns.
"""

import hashlib
import os

import pytest
import yaml

# Local folders only: the library must not reach for the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402  (after the offline switches above)

TABLES = ["events", "truth", "accounts", "campaigns"]
SIZE_BOUNDS = [
    (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
]


@pytest.fixture(scope="module")
def card_text(root) -> str:
    return (root / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def metadata(card_text) -> dict:
    assert card_text.startswith("---\n"), "the card opens with YAML front matter"
    front, _, _ = card_text[4:].partition("\n---\n")
    return yaml.safe_load(front)


def test_the_card_is_the_file_the_manifest_lists(root, manifest):
    card = manifest["card"]
    data = (root / card["path"]).read_bytes()
    assert card["path"] == "README.md"
    assert card["bytes"] == len(data)
    assert card["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_yaml_states_the_manifests_figures(metadata, manifest):
    stated = metadata["breachlab"]
    assert stated["rows"] == manifest["row_counts"]
    assert stated["version"] == manifest["breachlab_version"]
    assert stated["schema_version"] == manifest["schema_version"]
    assert stated["scenario"] == manifest["scenario"]["name"]
    assert stated["scenario_sha256"] == manifest["scenario"]["sha256"]
    assert stated["seed"] == manifest["seed"]
    assert stated["scale"] == manifest["scale"]
    assert stated["start"] == manifest["time_span"]["start"]
    assert stated["end"] == manifest["time_span"]["end"]
    for table in TABLES:
        listed = [f for f in manifest["files"] if f["table"] == table]
        assert stated["files"][table] == len(listed), table


def test_the_yaml_has_the_hub_fields(metadata, manifest):
    assert set(metadata["license"]) == {"mit", "apache-2.0"}
    assert "synthetic" in metadata["tags"]
    assert metadata["task_categories"] == ["tabular-classification"]
    events = manifest["row_counts"]["events"]
    expected = next(name for bound, name in SIZE_BOUNDS if events < bound)
    assert metadata["size_categories"] == [expected]
    assert [c["config_name"] for c in metadata["configs"]] == TABLES


@pytest.mark.parametrize("table", TABLES)
def test_datasets_loads_each_table_through_the_cards_config(root, manifest, table, tmp_path):
    loaded = datasets.load_dataset(
        str(root), table, split="train", cache_dir=str(tmp_path / "hf-cache")
    )
    assert loaded.num_rows == manifest["row_counts"][table]
    first = next(f for f in manifest["files"] if f["table"] == table)
    columns = datasets.load_dataset(
        "parquet", data_files=str(root / first["path"]), split="train",
        cache_dir=str(tmp_path / "hf-cache-one"),
    ).column_names
    assert loaded.column_names == columns


def test_every_campaign_and_cohort_has_a_row_in_the_card(root, card_text, tmp_path):
    campaigns = datasets.load_dataset(
        str(root), "campaigns", split="train", cache_dir=str(tmp_path / "hf-cache")
    )
    assert campaigns.num_rows > 0
    for row in campaigns:
        assert f"| {row['campaign_id']} | {row['name']} | {row['kind']} |" in card_text
