#!/usr/bin/env python3
"""Prints cluster.sh's table from its run.sh lines ("<server> <json>") on stdin.

Servers are "<impl>" (one node) and "<impl>_cluster" (receivers on one node,
the sender on another, through Redis). Rows are the fanout metrics, cells
the medians over rounds; ratios: each implementation's cluster run against
its single-node run ("ours_cluster/ours" on srv_us_per_op is the receiving
node's CPU per delivery as a multiple of one node's), then ours against
node in each mode. Last, srv_us_per_op of every round.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import ROWS, cell, load, median, render  # noqa: E402

EXTRA_ROWS = [("sender_cpu", ""), ("sender_us_per_op", "")]


def ratio_pairs(servers):
    """(server, reference) pairs: cluster against one node, then ours against node."""
    pairs = [(s, s.removesuffix("_cluster")) for s in servers
             if s.endswith("_cluster") and s.removesuffix("_cluster") in servers]
    for suffix in ("", "_cluster"):
        if f"ours{suffix}" in servers and f"node{suffix}" in servers:
            pairs.append((f"ours{suffix}", f"node{suffix}"))
    return pairs


def main():
    loaded = load(sys.stdin)
    if loaded is None:
        return 1
    servers, runs = loaded
    pairs = ratio_pairs(servers)
    rows = [["metric", "better"] + servers + [f"{s}/{r}" for s, r in pairs]]
    for metric, better in ROWS["fanout"] + EXTRA_ROWS:
        values = {s: median(runs.get((s, "fanout"), []), metric) for s in servers}
        if all(v is None for v in values.values()):
            continue
        row = [f"fanout.{metric}", better] + [cell(values[s], metric) for s in servers]
        for s, r in pairs:
            a, b = values[s], values[r]
            row.append(f"{a / b:.2f}x" if better and a is not None and b else "")
        rows.append(row)
    print(render(rows))
    print("\nsrv_us_per_op per round:")
    for s in servers:
        values = [r.get("srv_us_per_op") for r in runs.get((s, "fanout"), [])]
        print(f"  {s}: " + " / ".join("-" if v is None else f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
