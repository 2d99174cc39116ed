#!/usr/bin/env python3
"""Prints the bench table from run.sh output ("<server> <json>" lines) on stdin.

Rows are scenario metrics ("echo.acks_per_s"), columns the servers in the
order they first appear, then ratios: every other server against each anchor
(node, socketioxide), then every server against the floor (the reference
peer, "<server>/floor" = the server's value as a multiple of the floor's).
Ratios are printed for metrics where higher or lower is better. A server run
several times (ROUNDS=n) gets the median of its runs in each cell.
"""
import json
import statistics
import sys

ANCHORS = ("node", "socketioxide")
FLOOR = "floor"
BUSY = 0.1  # other_cpu above this: something else used the CPUs during the run

HIGHER, LOWER, INFO = "higher", "lower", ""
CPU_ROWS = [("srv_us_per_op", LOWER), ("srv_cpu", INFO), ("lg_cpu", INFO),
            ("lg_us_per_op", INFO), ("other_cpu", INFO)]
LATENCY_ROWS = [("p50_us", LOWER), ("p99_us", LOWER), ("max_us", LOWER)]
CHECK_ROWS = [("errors", LOWER), ("mismatches", LOWER)]
ROWS = {
    "echo": [("acks_per_s", HIGHER)] + LATENCY_ROWS + CHECK_ROWS + CPU_ROWS,
    "fanout": [("deliveries_per_s", HIGHER)] + LATENCY_ROWS + [("lost", LOWER)] + CPU_ROWS,
    "conns": [("connected", HIGHER), ("alive_at_end", HIGHER), ("conns_per_s", HIGHER),
              ("rss_before_kib", LOWER), ("rss_after_kib", LOWER), ("kib_per_conn", LOWER)] + CPU_ROWS,
    "polling": [("acks_per_s", HIGHER)] + LATENCY_ROWS + CHECK_ROWS + CPU_ROWS,
}


def read_runs(lines):
    """Returns (servers in order of appearance, {(server, scenario): [summary]}, warnings)."""
    servers, runs, warnings = [], {}, []
    for line in lines:
        server, _, text = line.strip().partition(" ")
        if not text.startswith("{"):
            continue  # comments, progress
        try:
            summary = json.loads(text)
        except json.JSONDecodeError:
            warnings.append(f"!! {server}: unreadable summary: {text[:80]}")
            continue
        scenario = summary.get("scenario", "?")
        if server not in servers:
            servers.append(server)
        runs.setdefault((server, scenario), []).append(summary)
        where = f"!! {server} {scenario}"
        if "fatal" in summary:
            warnings.append(f"{where}: {summary['fatal']}")
        if summary.get("first_error"):
            warnings.append(f"{where}: first error: {summary['first_error']}")
        other = summary.get("other_cpu")
        if isinstance(other, (int, float)) and other > BUSY:
            warnings.append(f"{where}: other_cpu {other}: other programs used the CPUs, rerun")
    return servers, runs, warnings


def median(runs, metric):
    values = [r[metric] for r in runs if isinstance(r.get(metric), (int, float))]
    return statistics.median(values) if values else None


def ratio_pairs(servers):
    """(server, reference) pairs: against each anchor, then against the floor."""
    pairs = []
    for i, anchor in enumerate(ANCHORS):
        if anchor in servers:
            earlier = ANCHORS[: i + 1]
            pairs += [(s, anchor) for s in servers if s != FLOOR and s not in earlier]
    if FLOOR in servers:
        pairs += [(s, FLOOR) for s in servers if s != FLOOR]
    return pairs


def cell(value, metric):
    if value is None:
        return "-"
    if metric.endswith(("_cpu", "_per_op")) or metric == "kib_per_conn":
        return f"{value:.2f}"
    return f"{round(value):,}"


def table(servers, runs):
    pairs = ratio_pairs(servers)
    rows = [["metric", "better"] + servers + [f"{s}/{r}" for s, r in pairs]]
    for scenario, metrics in ROWS.items():
        for metric, better in metrics:
            values = {s: median(runs.get((s, scenario), []), metric) for s in servers}
            if all(v is None for v in values.values()):
                continue
            row = [f"{scenario}.{metric}", better] + [cell(values[s], metric) for s in servers]
            for s, r in pairs:
                a, b = values[s], values[r]
                row.append(f"{a / b:.2f}x" if better and a is not None and b else "")
            rows.append(row)
    return rows


def render(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def load(lines):
    """Reads the runs and prints their warnings and round count; (servers, runs),
    or None (after saying so) without results."""
    servers, runs, warnings = read_runs(lines)
    for w in warnings:
        print(w)
    if not servers:
        print("no results")
        return None
    rounds = max(len(v) for v in runs.values())
    if rounds > 1:
        print(f"(medians of {rounds} rounds)")
    return servers, runs


def main():
    loaded = load(sys.stdin)
    if loaded is None:
        return 1
    print(render(table(*loaded)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
