"""A small decision tree over one event's descriptive fields, as a new user would try it.

Usage: python benches/combination_tree.py TRAIN_DATASET TEST_DATASET
       (needs pyarrow, numpy and scikit-learn: examples/requirements.txt)

Per attack campaign, a depth-6 tree with at least 50 events per leaf learns the campaign's
events against all benign events of TRAIN_DATASET from these fields only: user_agent,
ip_asn, ip_kind, country, client_kind, method, route, api_key_id (one-hot, values seen on
fewer than 50 training events pooled as one), and whether principal_id, session_id and
api_key_id are set. No counts, no history, no time. Its probability threshold is chosen on
the training dataset (the F1-best one, with the labels); then it is scored, unchanged, on
TEST_DATASET (another seed of the same scenario and scale): F1 of the campaign's events
there against all benign events there. Other campaigns' events are left out of both.

Prints a Markdown table: campaign, F1 on the test seed, F1 on the training seed, and the
path to the tree's largest leaf that flags the campaign (the rule it learnt). The
in-Rust counterpart is `breachlab audit --holdout-seed` (docs/audit.md).
"""

import sys

import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as ds
from scipy.sparse import csr_matrix, hstack
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

VALUE_FIELDS = ["user_agent", "ip_asn", "ip_kind", "country", "client_kind", "method",
                "route", "api_key_id"]
PRESENCE_FIELDS = ["principal_id", "session_id", "api_key_id"]
MAX_DEPTH = 6
MIN_LEAF = 50


def load(path):
    """Fields as strings, presence flags, attack flag and campaign id, row for row."""
    events = ds.dataset(f"{path}/events", format="parquet").to_table(
        columns=["event_id"] + VALUE_FIELDS + ["principal_id", "session_id"])
    truth = ds.dataset(f"{path}/truth", format="parquet").to_table(
        columns=["event_id", "is_attack", "campaign_id"])
    if not pc.all(pc.equal(events["event_id"], truth["event_id"])).as_py():
        sys.exit(f"{path}: events and truth are out of step; regenerate the dataset")
    values = np.column_stack([
        np.array([("∅" if v is None else str(v)) for v in events[f].to_pylist()], dtype=object)
        for f in VALUE_FIELDS
    ])
    presence = np.column_stack([
        pc.is_valid(events[f]).to_numpy(zero_copy_only=False).astype(np.int8)
        for f in PRESENCE_FIELDS
    ])
    attack = pc.fill_null(truth["is_attack"], False).to_numpy(zero_copy_only=False)
    campaign = pc.fill_null(truth["campaign_id"], -1).to_numpy(zero_copy_only=False)
    return values, presence, attack, campaign


def campaign_names(path):
    table = ds.dataset(f"{path}/campaigns.parquet", format="parquet").to_table()
    rows = table.to_pylist()
    return {r["campaign_id"]: r["name"] for r in rows if r.get("kind") == "attack"}


def f1(flagged, truth):
    tp = int(np.sum(flagged & truth))
    denominator = int(np.sum(flagged)) + int(np.sum(truth))
    return 0.0 if denominator == 0 else 2.0 * tp / denominator


def best_threshold(probabilities, truth):
    """The F1-best threshold on the training seed (its labels chose it)."""
    best = (0.0, 1.1)
    for threshold in np.unique(probabilities):
        score = f1(probabilities >= threshold, truth)
        if score > best[0]:
            best = (score, threshold)
    return best[1]


def leaf_rule(tree, names, probabilities, threshold, leaf_sizes):
    """The path to the largest flagging leaf, as `field = value` conditions."""
    t = tree.tree_
    flagging = [leaf for leaf in leaf_sizes if probabilities[leaf] >= threshold]
    if not flagging:
        return "(flags nothing)"
    target = max(flagging, key=lambda leaf: leaf_sizes[leaf])
    path, parents = [], {}
    for n in range(t.node_count):
        for child, side in ((t.children_left[n], "no"), (t.children_right[n], "yes")):
            if child != -1:
                parents[child] = (n, side)
    node = target
    while node in parents:
        parent, side = parents[node]
        path.append((names[t.feature[parent]], side))
        node = parent
    conditions = []
    for name, side in reversed(path):
        conditions.append(name if side == "yes" else f"not ({name})")
    return " and ".join(conditions)


def readable(feature):
    """`route_/v1/x` as `route = /v1/x`; the pooled rare values as `route = (rare)`."""
    for field in VALUE_FIELDS:
        if feature.startswith(field + "_"):
            value = feature[len(field) + 1:]
            return f"{field} = {'(rare)' if value == 'infrequent_sklearn' else value}"
    return feature


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    train_path, test_path = sys.argv[1], sys.argv[2]
    names = campaign_names(train_path)
    train_values, train_presence, train_attack, train_campaign = load(train_path)
    test_values, test_presence, test_attack, test_campaign = load(test_path)
    encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_LEAF,
                            sparse_output=True)
    encoder.fit(train_values)
    feature_names = [readable(n) for n in encoder.get_feature_names_out(VALUE_FIELDS)]
    feature_names += [f"{f} set" for f in PRESENCE_FIELDS]

    def features(values, presence):
        return hstack([encoder.transform(values), csr_matrix(presence)]).tocsr()

    train_x = features(train_values, train_presence)
    test_x = features(test_values, test_presence)
    print("| campaign | F1 on the test seed | F1 on the training seed | the rule it learnt |")
    print("|---|---:|---:|---|")
    for campaign_id, name in sorted(names.items()):
        train_rows = (~train_attack) | (train_campaign == campaign_id)
        test_rows = (~test_attack) | (test_campaign == campaign_id)
        y_train = train_attack[train_rows] & (train_campaign[train_rows] == campaign_id)
        y_test = test_attack[test_rows] & (test_campaign[test_rows] == campaign_id)
        if y_train.sum() == 0:
            print(f"| {name} | - | - | (no events on the training seed) |")
            continue
        tree = DecisionTreeClassifier(max_depth=MAX_DEPTH, min_samples_leaf=MIN_LEAF,
                                      class_weight="balanced", random_state=0)
        tree.fit(train_x[train_rows], y_train)
        train_p = tree.predict_proba(train_x[train_rows])[:, 1]
        threshold = best_threshold(train_p, y_train)
        test_p = tree.predict_proba(test_x[test_rows])[:, 1]
        leaves = tree.apply(train_x[train_rows])
        leaf_sizes = {leaf: int(np.sum(y_train[leaves == leaf])) for leaf in np.unique(leaves)}
        # A leaf's probability as predict_proba gives it (so it compares with the
        # threshold exactly).
        leaf_probability = {leaf: float(train_p[np.argmax(leaves == leaf)]) for leaf in leaf_sizes}
        rule = leaf_rule(tree, feature_names, leaf_probability, threshold, leaf_sizes)
        print(f"| {name} | {f1(test_p >= threshold, y_test):.3f} "
              f"| {f1(train_p >= threshold, y_train):.3f} | {rule} |")


if __name__ == "__main__":
    main()
