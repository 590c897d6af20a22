"""Real parsers read breachlab's exports.

- jsonl: every line is JSON and equals the dataset's Parquet row (read with pyarrow),
  field by field, in order; latency_ms is the float32's shortest decimal.
- ecs: every document is JSON with the ECS fields typed as ECS defines them.
- ocsf: every event validates as an OCSF 1.7.0 HTTP Activity with pydantic-ocsf's
  models (generated from the OCSF schema it ships), with no attribute the schema does
  not define outside `unmapped`; `http_request.http_method` is checked against the
  schema's own enumeration instead (pydantic-ocsf 3.0.0 types that string enum as an
  integer).
- combined and combined-ext: the COMBINEDAPACHELOG grok pattern of Logstash's pattern
  library (see grok_combined.py) reads every line, and every field it captures equals the
  dataset's; fail2ban's own log parser (fail2ban-regex) reads every combined-ext line,
  date included, and returns each line's event id (skipped where fail2ban is missing).

Environment: BREACHLAB_BIN (the binary) and BREACHLAB_DATASET (a small dataset).
"""

import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
from grok_combined import compile_grok

BIN = os.environ["BREACHLAB_BIN"]
DATASET = Path(os.environ["BREACHLAB_DATASET"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt in ["jsonl", "ecs", "ocsf", "combined", "combined-ext"]:
        path = out / f"events.{fmt}"
        extra = [] if fmt.startswith("combined") else ["--with-truth"]
        subprocess.run([BIN, "export", str(DATASET), "--format", fmt, "--out", str(path), *extra],
                       check=True, capture_output=True)
        files[fmt] = path
    return files


@pytest.fixture(scope="module")
def table():
    events = ds.dataset(DATASET / "events", format="parquet", partitioning="hive").to_table()
    events = events.sort_by("event_id")
    truth = ds.dataset(DATASET / "truth", format="parquet", partitioning="hive").to_table()
    return events, truth.sort_by("event_id")


def lines(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f]


def test_jsonl_equals_the_parquet_rows(exports, table):
    events, truth = table
    rows = [json.loads(line) for line in lines(exports["jsonl"])]
    assert len(rows) == events.num_rows
    # `date` is the hive partition column, not a table column.
    columns = [name for name in events.schema.names if name != "date"]
    ev = {name: events.column(name).to_pylist() for name in columns}
    tr = {name: truth.column(name).to_pylist() for name in truth.schema.names if name != "date"}
    latency = events.column("latency_ms").to_numpy()
    for i, row in enumerate(rows):
        assert list(row) == columns + ["truth"]
        for name in columns:
            want = ev[name][i]
            if name == "ts":
                assert row[name] == want.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            elif name == "latency_ms":
                assert np.float32(row[name]) == latency[i]
            else:
                assert row[name] == want, (i, name)
        for name, values in tr.items():
            if name not in ("event_id", "ts"):
                assert row["truth"][name] == values[i], (i, name)
    # Shortest round-trip text: what numpy prints for each float32 (18.14, not 18.139999...).
    for i, text in enumerate(lines(exports["jsonl"])):
        token = text.split('"latency_ms":')[1].split(",")[0]
        assert token == str(latency[i]), (i, token)


def test_ecs_documents(exports, table):
    events, _ = table
    docs = [json.loads(line) for line in lines(exports["ecs"])]
    assert len(docs) == events.num_rows
    for doc in docs:
        assert doc["ecs"]["version"] == "8.17.0"
        assert doc["event"]["id"] == str(doc["breachlab"]["event_id"])
        assert isinstance(doc["@timestamp"], str) and doc["@timestamp"].endswith("Z")
        assert isinstance(doc["source"]["ip"], str)
        assert isinstance(doc["source"]["as"]["number"], int)
        assert len(doc["source"]["geo"]["country_iso_code"]) == 2
        assert doc["http"]["request"]["method"] in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
        status = doc["http"]["response"]["status_code"]
        assert isinstance(status, int)
        assert doc["event"]["outcome"] == ("success" if status < 400 else "failure")
        assert doc["url"]["path"] == doc["url"]["original"].split("?")[0]
        assert isinstance(doc["event"]["duration"], int)
        # event.duration is the printed latency in ns.
        assert doc["event"]["duration"] == round(doc["breachlab"]["latency_ms"] * 1e6)
        if "user" in doc:
            assert doc["user"]["id"].isdigit()


def known_keys(model, value, where, schema_enums):
    """Every key of `value` is an attribute of the OCSF model (recursively), except under
    `unmapped`, which OCSF leaves to the producer."""
    from pydantic import BaseModel
    import typing

    fields = {}
    for name, field in model.model_fields.items():
        fields[field.alias or name] = field
        fields[name] = field
    for key, item in value.items():
        assert key in fields, f"{where}.{key} is not an OCSF {model.__name__} attribute"
        if key == "unmapped":
            continue
        annotation = fields[key].annotation
        targets = [a for a in typing.get_args(annotation) or [annotation]]
        inner = []
        for a in targets:
            inner.extend(typing.get_args(a) or [a])
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if models and isinstance(item, dict):
            known_keys(models[0], item, f"{where}.{key}", schema_enums)
        elif models and isinstance(item, list):
            for element in item:
                known_keys(models[0], element, f"{where}.{key}[]", schema_enums)


def test_ocsf_validates_against_the_schema(exports):
    pytest.importorskip("ocsf", reason="pydantic-ocsf is not installed: pip install -r integrations/requirements.txt")
    from ocsf.v1_7_0.events import HttpActivity
    from ocsf.v1_7_0.objects import Actor

    schema_file = Path(__import__("ocsf").__file__).parent / "schemas" / "v1_7_0.json"
    schema = json.loads(schema_file.read_text())
    methods = set(schema["objects"]["http_request"]["attributes"]["http_method"]["enum"])
    activities = {int(k): v["caption"] for k, v in
                  schema["events"]["http_activity"]["attributes"]["activity_id"]["enum"].items()}
    assert schema["events"]["http_activity"]["uid"] == 2  # 4002 = category 4 * 1000 + 2
    assert schema["events"]["network"]["category"] == "network"
    assert schema["categories_meta"]["attributes"]["network"]["uid"] == 4
    base_profiles = schema["events"]["base_event"]["profiles"]
    events = [json.loads(line) for line in lines(exports["ocsf"])]
    assert events
    for event in events:
        method = event["http_request"]["http_method"]
        assert method in methods
        assert activities[event["activity_id"]] == event["activity_name"] == method.capitalize()
        assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
        checked = json.loads(json.dumps(event))
        # `actor` is an attribute of the Host profile (base_event includes it), which the
        # models leave out: allowed only when metadata.profiles names it, and checked
        # against the Actor object's model.
        actor = checked.pop("actor", None)
        if actor is not None:
            assert "host" in base_profiles and checked["metadata"]["profiles"] == ["host"]
            known_keys(Actor, actor, "event.actor", None)
            parsed_actor = Actor.model_validate(actor)
            assert parsed_actor.user is not None or parsed_actor.session is not None
        known_keys(HttpActivity, checked, "event", None)
        del checked["http_request"]["http_method"]  # see the module docstring
        parsed = HttpActivity.model_validate(checked)
        assert parsed.class_uid == 4002 and parsed.category_uid == 4
        assert parsed.metadata.version == "1.7.0"
        assert parsed.http_response.code == int(event["status_code"])
        assert parsed.src_endpoint.ip == event["observables"][0]["value"]
        assert "truth" in event["unmapped"]["breachlab"]


CATCH_ALL = r"""
[Definition]
failregex = ^<HOST> \S+ \S+ \[\] "[A-Z]+ [^"]*" \d{3} (?:\d+|-) "[^"]*" "[^"]*" principal="[^"]*" api_key="[^"]*" event_id=<F-EVENT>\d+</F-EVENT>$
datepattern = ^[^\[]*\[({DATE})
"""


def test_combined_ext_read_by_fail2ban(exports, table, tmp_path):
    if shutil.which("fail2ban-regex") is None:
        pytest.skip("SKIP: fail2ban-regex not found (apt-get install fail2ban): combined-ext log not checked by fail2ban")
    events, _ = table
    conf = tmp_path / "catch-all.conf"
    conf.write_text(CATCH_ALL)
    out = subprocess.run(["fail2ban-regex", "-r", "-o", "<ip> <time> <F-EVENT>", str(exports["combined-ext"]), str(conf)],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    matched = [line.split() for line in out if line.strip()]
    assert len(matched) == events.num_rows, "fail2ban parsed every line"
    ids = events.column("event_id").to_pylist()
    ips = events.column("client_ip").to_pylist()
    seconds = [int(t.timestamp()) for t in events.column("ts").to_pylist()]
    assert [int(m[2]) for m in matched] == ids
    assert [m[0] for m in matched] == ips
    assert [int(float(m[1])) for m in matched] == seconds, "fail2ban read the log's dates"
    # The integration's filter matches exactly the 401/403/404 lines.
    filt = Path(__file__).parents[1] / "fail2ban" / "filter.d" / "breachlab-api.conf"
    out = subprocess.run(["fail2ban-regex", "-r", "-o", "<F-EVENT>", str(exports["combined-ext"]), str(filt)],
                         check=True, capture_output=True, text=True).stdout.split()
    statuses = events.column("status").to_pylist()
    assert [int(x) for x in out] == [i for i, s in zip(ids, statuses) if s in (401, 403, 404)]
    # It reads nginx's plain combined lines too: the same failures, by address.
    out = subprocess.run(["fail2ban-regex", "-r", "-o", "<ip>", str(exports["combined"]), str(filt)],
                         check=True, capture_output=True, text=True).stdout.split()
    assert out == [ip for ip, s in zip(ips, statuses) if s in (401, 403, 404)]


def unescape_nginx(text):
    """Undoes nginx's `\\xHH` escaping of a quoted log field."""
    raw = re.sub(rb"\\x([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), text.encode())
    return raw.decode()


@pytest.mark.parametrize("fmt", ["combined", "combined-ext"])
def test_combined_read_by_logstash_grok(exports, table, fmt):
    """COMBINEDAPACHELOG (Logstash's pattern library, see grok_combined.py) reads every
    line of both exports, and each captured field is the dataset's; combined-ext's named
    fields follow the combined part exactly."""
    events, _ = table
    grok = compile_grok("COMBINEDAPACHELOG")
    rows = events.to_pylist()
    text_lines = lines(exports[fmt])
    assert len(text_lines) == len(rows)
    unmatched = [n for n, line in enumerate(text_lines, 1) if grok.match(line) is None]
    assert unmatched == [], f"{fmt}: grok drops lines {unmatched[:5]}"
    for line, row in zip(text_lines, rows):
        m = grok.match(line)
        assert m["clientip"] == row["client_ip"]
        assert (m["ident"], m["auth"]) == ("-", "-"), "no Basic auth: $remote_user is -"
        when = datetime.strptime(m["timestamp"], "%d/%b/%Y:%H:%M:%S %z")
        assert int(when.timestamp()) == int(row["ts"].replace(tzinfo=timezone.utc).timestamp())
        assert (m["verb"], m["request"], m["httpversion"]) == (row["method"], row["path"], "1.1")
        assert (int(m["response"]), int(m["bytes"])) == (row["status"], row["response_bytes"])
        assert m["referrer"] == '"-"'
        assert unescape_nginx(m["agent"][1:-1]) == row["user_agent"]
        rest = line[m.end():]
        if fmt == "combined":
            assert rest == "", "nginx's default combined ends after the user agent"
        else:
            principal = "-" if row["principal_id"] is None else str(row["principal_id"])
            key = row["api_key_id"] or "-"
            assert rest == f' principal="{principal}" api_key="{key}" event_id={row["event_id"]}'
