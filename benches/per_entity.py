"""Per-entity behaviour of a breachlab dataset: what `--scale` must never change.

Usage: python benches/per_entity.py [--hours H] DATASET [DATASET ...]   (needs duckdb)

--hours H compares the attack over its first H clock hours only (from the start of the
hour its first event falls in): the common faithful horizon of datasets whose campaigns
the scale shortened (see the manifests' `faithfulness`).

Per dataset, one column: attack requests per active hour per stolen token, address and
actor (quantiles over the entity-hours the campaign was active); benign requests per active
day per address and per principal; distinct targets per principal per active day; and the
busiest benign address and principal per day. Two datasets of one scenario at two
faithful scales should agree row by row (quantiles within 15%, maxima within 25%).
"""

import sys

import duckdb

QUANTILES = (0.5, 0.9, 0.99, 0.999)


def rows(path, hours=None):
    c = duckdb.connect()
    c.execute(
        f"""create view joined as
        select e.*, t.is_attack, t.campaign_id, t.actor_id
        from read_parquet('{path}/events/*/*.parquet') e
        join read_parquet('{path}/truth/*/*.parquet') t using (event_id)"""
    )

    def quantiles(group, bucket, where, measure="count(*)"):
        q = ", ".join(f"quantile_cont(n, {p})" for p in QUANTILES)
        return c.execute(
            f"""select {q} from (select {measure} as n from joined where {where}
            group by {group}, date_trunc('{bucket}', ts))"""
        ).fetchone()

    out = {}
    first = "(select min(campaign_id) from joined where is_attack)"
    attack = f"is_attack and campaign_id = {first}"
    if hours is not None:
        attack += (
            f" and ts < (select date_trunc('hour', min(ts)) from joined"
            f" where is_attack and campaign_id = {first})"
            f" + interval {float(hours) * 3600.0} second"
        )
    out["attack req/active hour per token"] = quantiles("principal_id", "hour", attack + " and principal_id is not null")
    out["attack req/active hour per address"] = quantiles("client_ip", "hour", attack)
    out["attack req/active hour per actor"] = quantiles("actor_id", "hour", attack)
    out["benign req/active day per address"] = quantiles("client_ip", "day", "not is_attack")
    out["benign req/active day per principal"] = quantiles("principal_id", "day", "not is_attack and principal_id is not null")
    out["benign distinct targets/principal/day"] = quantiles(
        "principal_id", "day", "not is_attack and principal_id is not null", "count(distinct target_id)")
    for name, group in [("address", "client_ip"), ("principal", "principal_id")]:
        out[f"benign busiest {name} per day (max)"] = c.execute(
            f"""select max(n) from (select count(*) n from joined where not is_attack
            and {group} is not null group by {group}, date_trunc('day', ts))"""
        ).fetchone()
    return out


def main():
    args = sys.argv[1:]
    hours = None
    if args[:1] == ["--hours"]:
        hours, args = float(args[1]), args[2:]
    paths = args
    tables = [rows(p, hours) for p in paths]
    print("| per entity | " + " | ".join(paths) + " |")
    print("|---|" + "---:|" * len(paths))
    for key in tables[0]:
        cells = []
        for t in tables:
            v = t[key]
            cells.append(" / ".join("-" if x is None else f"{x:.4g}" for x in v))
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
