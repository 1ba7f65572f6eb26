#!/usr/bin/env python3
"""Turns JMH JSON results into benchmarks/RESULTS.md: each figure beside its baseline, the ratio, the goal, PASS/MISS.

Usage: report.py [--mode full|quick] [--meta run.json] [--notes NOTES.md] --out FILE JSON...

Standard library only. The figures, their baselines and their goals are listed in FIGURES below; a figure whose
results are missing from the JSON is reported as such rather than left out.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys

PKG = "io.peercollab.benchmarks."

# kind: "time" (lower is better, goal is a maximum ratio), "thrpt" (higher is better, goal is a minimum ratio),
# "bytes" (auxiliary counter retainedBytesPerItem; goal, if any, is an absolute maximum in bytes).
FIGURES = [
    dict(figure="Invitation round trip, 1 in flight", ours="rsocket.InvitationBenchmark.invite",
         base="rsocket.InvitationBenchmark.bareRequestResponse", params={"inFlight": "1"}, kind="time",
         goal=1.2, op="one invitation, receiver declines at once; baseline: request-response of the same sizes"),
    dict(figure="Invitation round trip, 16 in flight", ours="rsocket.InvitationBenchmark.invite",
         base="rsocket.InvitationBenchmark.bareRequestResponse", params={"inFlight": "16"}, kind="time",
         goal=1.2, op="a batch of 16 concurrent invitations"),
    dict(figure="Remote presence read", ours="rsocket.PresenceReadBenchmark.presence",
         base="rsocket.PresenceReadBenchmark.bareRequestResponse", params={}, kind="time", goal=1.2,
         op="peer.presence() of a contact; baseline: request-response of the same sizes"),
    dict(figure="Presence fan-out, 1 follower", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "1"}, kind="thrpt", goal=0.8,
         op="a presence change seen by every follower (peer.events()); baseline: request-stream push"),
    dict(figure="Presence fan-out, 100 followers", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "100"}, kind="thrpt", goal=0.8,
         op="as above, 100 followers on 1 follower endpoint"),
    dict(figure="Presence fan-out, 1,000 followers", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "1000"}, kind="thrpt", goal=0.8,
         op="as above, 1,000 followers on 5 follower endpoints"),
    dict(figure="Local presence stream, 1,000 subscribers", ours="PresenceChangesBenchmark.presenceChanges",
         base="PresenceChangesBenchmark.bareMulticastSink", params={"subscribers": "1000"}, kind="thrpt", goal=0.8,
         op="a setPresence seen by 1,000 presenceChanges() subscribers; baseline: Sinks.many().multicast().directBestEffort()"),
    dict(figure="Session messages, 1 KiB, one direction", ours="rsocket.SessionBenchmark.sessionSend",
         base="rsocket.SessionBenchmark.bareRequestChannel", params={}, kind="thrpt", goal=0.8,
         op="one message host -> member, received; baseline: request-channel payload of the same size"),
    dict(figure="Contact store (10,000 contacts): add", ours="contact.ContactStoreBenchmark.add",
         base="contact.ContactStoreBenchmark.bareInsert", params={"contacts": "10000"}, kind="time", goal=1.3,
         op="insert one contact, committed to the H2 file; baseline: bare R2DBC INSERT"),
    dict(figure="Contact store (10,000 contacts): find", ours="contact.ContactStoreBenchmark.find",
         base="contact.ContactStoreBenchmark.bareSelectOne", params={"contacts": "10000"}, kind="time", goal=1.3,
         op="find one contact by name; baseline: bare R2DBC SELECT by primary key"),
    dict(figure="Contact store (10,000 contacts): list", ours="contact.ContactStoreBenchmark.list",
         base="contact.ContactStoreBenchmark.bareSelectAll", params={"contacts": "10000"}, kind="time", goal=1.3,
         op="list all 10,000 contacts; baseline: bare R2DBC SELECT of all rows"),
    dict(figure="Connection set-up", ours="rsocket.ConnectBenchmark.connect",
         base="rsocket.ConnectBenchmark.bareTlsConnect", params={}, kind="time", goal=1.2,
         op="TCP + TLS 1.3 (mutual) + pin check + SETUP + hello; baseline: Reactor Netty TLS connect"),
    dict(figure="Discovery: sign-in -> ADDED", ours="discovery.DiscoveryBenchmark.signInToAdded",
         base="discovery.DiscoveryBenchmark.bareRegisterToResolved", params={}, kind="time", goal=1.0,
         op="signIn(NEAR_ME) until another peer's peersNearMe() says ADDED; baseline: registerService on an open "
            "jmDNS instance until serviceResolved"),
    dict(figure="(reference) sign-in -> ADDED vs jmDNS opened per sign-in",
         ours="discovery.DiscoveryBenchmark.signInToAdded",
         base="discovery.DiscoveryBenchmark.bareOpenAndRegisterToResolved", params={}, kind="time", goal=None,
         op="baseline: JmDNS.create + registerService until serviceResolved"),
    dict(figure="Discovery: sign-out -> REMOVED", ours="discovery.DiscoveryBenchmark.signOutToRemoved",
         base="discovery.DiscoveryBenchmark.bareUnregisterToRemoved", params={}, kind="time", goal=0.25,
         op="signOut(NEAR_ME) until the other peer's peersNearMe() says REMOVED; baseline: unregisterService until "
            "serviceRemoved"),
    dict(figure="Memory per peer near me", ours="MemoryFootprintBenchmark.peerNearMe",
         base="MemoryFootprintBenchmark.barePeerNearMe", params={}, kind="bytes", goal=4096,
         op="observer's retained heap per verified peer near me; baseline: a jmDNS browser keeping ServiceInfo"),
    dict(figure="Memory per idle connection", ours="MemoryFootprintBenchmark.idleConnection",
         base="MemoryFootprintBenchmark.bareIdleConnection", params={}, kind="bytes", goal=None,
         op="both ends; baseline: bare RSocket TLS connection"),
    dict(figure="Memory per follower subscription", ours="MemoryFootprintBenchmark.followerSubscription",
         base="MemoryFootprintBenchmark.bareFollowerSubscription", params={}, kind="bytes", goal=None,
         op="both ends; baseline: bare request-stream subscription"),
]

AUX = "retainedBytesPerItem"

# Two-sided 99.9% Student t quantiles (JMH reports score errors at 99.9%), by degrees of freedom.
T999 = {1: 636.619, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781,
        10: 4.587, 11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015, 17: 3.965, 18: 3.922,
        19: 3.883, 20: 3.850, 25: 3.725, 30: 3.646, 40: 3.551, 60: 3.460, 120: 3.373}


def t999(df):
    if df in T999:
        return T999[df]
    keys = sorted(T999)
    for k in keys:
        if k > df:
            return T999[k]
    return 3.291


def load(paths):
    """Every result of every file; a benchmark with the same parameters in a later file replaces the earlier one
    (a documented re-run of one benchmark after the full run)."""
    by_key = {}
    for p in paths:
        with open(p) as f:
            for r in json.load(f):
                r["source"] = p
                by_key[(r["benchmark"], tuple(sorted(r.get("params", {}).items())))] = r
    return list(by_key.values())


def find(results, name, params):
    full = PKG + name
    found = [r for r in results if r["benchmark"] == full
             and all(r.get("params", {}).get(k) == v for k, v in params.items())]
    return found[0] if found else None


def finite(x):
    return isinstance(x, (int, float)) and not math.isnan(x) and not math.isinf(x)


def value(r, kind):
    """(score, error or None, unit, samples) of a result."""
    if kind == "bytes":
        m = r.get("secondaryMetrics", {}).get(AUX)
        if not m:
            return None
        raw = [x for fork in m.get("rawData", []) for x in fork]
        if not raw:
            return None
        mean = statistics.fmean(raw)
        err = t999(len(raw) - 1) * statistics.stdev(raw) / math.sqrt(len(raw)) if len(raw) > 1 else None
        return mean, err, "bytes", len(raw)
    m = r["primaryMetric"]
    raw = [x for fork in m.get("rawData", []) for x in fork]
    err = m.get("scoreError")
    err = float(err) if finite(err if not isinstance(err, str) else float("nan")) else None
    return m["score"], err, m["scoreUnit"], len(raw)


def fmt(x):
    if x is None:
        return "n/a"
    a = abs(x)
    if a >= 100_000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:,.1f}"
    if a >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def fmt_value(v):
    score, err, unit, n = v
    e = f" ± {fmt(err)}" if err is not None else " (1 sample, no error)" if n <= 1 else ""
    return f"{fmt(score)}{e} {unit}"


def ratio_of(o, b):
    (s1, e1, _, _), (s2, e2, _, _) = o, b
    if not finite(s1) or not finite(s2) or s2 == 0:
        return None, None
    r = s1 / s2
    if e1 is None or e2 is None or s1 == 0:
        return r, None
    return r, r * math.sqrt((e1 / s1) ** 2 + (e2 / s2) ** 2)


def verdict(fig, o, r, rerr):
    kind, goal = fig["kind"], fig["goal"]
    if goal is None:
        return "—", "no goal (reference)"
    if kind == "bytes":
        score, err, _, _ = o
        ok = score <= goal
        text = f"≤ {goal:,} bytes ({goal / 1024:g} KiB)"
        if ok:
            return "PASS", text
        return f"MISS (+{(score / goal - 1) * 100:.0f}%, {score / goal:.1f}× the goal)", text
    if r is None:
        return "n/a", ""
    if kind == "time":
        ok = r <= goal
        text = f"≤ {goal:g}× baseline time"
        miss = f"MISS ({r / goal:.2f}× the allowed time)"
        close = rerr is not None and r - rerr <= goal <= r + rerr
    else:
        ok = r >= goal
        text = f"≥ {goal:g}× baseline throughput"
        miss = f"MISS ({(1 - r / goal) * 100:.0f}% short of the goal)"
        close = rerr is not None and r - rerr <= goal <= r + rerr
    res = "PASS" if ok else miss
    if close:
        res += " (within error)"
    return res, text


def machine():
    info = {}
    try:
        info["cores"] = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        info["cores"] = str(os.cpu_count())
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    info["os"] = f"{platform.system()} {platform.release()}"
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True)
        info["java"] = " / ".join(l.strip() for l in out.stderr.strip().splitlines())
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True).stdout.strip()
        if dirty:
            info["commit"] += " (with uncommitted changes)"
    except OSError:
        pass
    return info


def load_stats(samples):
    xs = samples
    if isinstance(samples, str):
        if not os.path.exists(samples):
            return None
        with open(samples) as f:
            xs = [float(l) for l in f if l.strip()]
    if not xs:
        return None
    return min(xs), statistics.median(xs), max(xs), len(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="full")
    ap.add_argument("--meta", help="run.sh's record of the run: command, seconds, commit, date, load samples")
    ap.add_argument("--notes")
    ap.add_argument("--out", required=True)
    ap.add_argument("json", nargs="+")
    a = ap.parse_args()

    results = load(a.json)
    m = machine()
    meta = {}
    if a.meta and os.path.exists(a.meta):
        with open(a.meta) as f:
            meta = json.load(f)
    # what was recorded when the benchmarks ran wins over what is true now
    m.update({k: v for k, v in meta.items() if k in ("commit", "cores", "java") and v})
    a.command = meta.get("command", "benchmarks/run.sh " + a.mode)
    a.seconds = meta.get("seconds")
    a.load = meta.get("load")
    date = meta.get("date") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    first = results[0] if results else {}
    out = []
    w = out.append
    w("# PeerCollab benchmark results\n")
    if a.mode == "quick":
        w("> **Quick mode**: every benchmark once, tiny parameters, no warm-up to speak of. A smoke test of the "
          "benchmarks; these numbers are not for publication.\n")
    w("Generated by `benchmarks/report.py` from JMH's JSON output; edit `benchmarks/results/NOTES.md` (included "
      "below) and `report.py`, not this file.\n")
    w("## How these numbers were made\n")
    w(f"- Command: `{a.command}` (from the repository root), "
      f"{'taking ' + str(a.seconds // 60) + ' min ' + str(a.seconds % 60) + ' s' if a.seconds else ''}; "
      f"JSON: {', '.join('`' + p + '`' for p in a.json)}")
    w(f"- Date: {date}; commit {m.get('commit', '?')}")
    w(f"- Machine: {m.get('cores', '?')} cores (`nproc`), {m.get('cpu', '?')}, {m.get('memory', '?')} RAM, "
      f"{m.get('os', '?')}")
    w(f"- JDK: {first.get('vmName', '?')} {first.get('vmVersion', '')} (JDK {first.get('jdkVersion', '?')}); "
      f"JMH {first.get('jmhVersion', '?')}; `java -version`: {m.get('java', '?')}")
    ls = load_stats(a.load)
    if ls:
        w(f"- **The machine was shared** with other engineers' builds and tests while this ran: load average "
          f"(1 min, sampled every 10 s, {ls[3]} samples) min {ls[0]:.1f}, median {ls[1]:.1f}, max {ls[2]:.1f} "
          f"on {m.get('cores', '?')} cores. Absolute numbers are therefore pessimistic and noisy; each figure "
          f"and its baseline ran in the same JMH run, one after the other, so their ratio is the figure to read.")
    else:
        w("- **The machine was shared** with other engineers while this ran; read ratios, not absolute numbers.")
    w("- Errors are JMH's 99.9% confidence half-intervals; a ratio's error combines both relative errors.\n")

    w("## Figures\n")
    w("| Figure | Ours | Baseline | Ratio (ours / baseline) | Goal | Result |")
    w("| --- | --- | --- | --- | --- | --- |")
    details = []
    for fig in FIGURES:
        ro = find(results, fig["ours"], fig["params"])
        rb = find(results, fig["base"], fig["params"])
        o = value(ro, fig["kind"]) if ro else None
        b = value(rb, fig["kind"]) if rb else None
        if o is None and b is None and a.mode == "quick":
            w(f"| {fig['figure']} | | | | | not in quick mode (its parameters are not run) |")
            continue
        if o is None or b is None:
            missing = [n for n, v in ((fig["ours"], o), (fig["base"], b)) if v is None]
            w(f"| {fig['figure']} | {fmt_value(o) if o else 'not run'} | {fmt_value(b) if b else 'not run'} "
              f"| n/a | | NOT RUN ({', '.join(missing)}) |")
            continue
        r, rerr = ratio_of(o, b)
        res, goal = verdict(fig, o, r, rerr)
        rtext = "n/a" if r is None else f"{r:.2f}" + (f" ± {rerr:.2f}" if rerr is not None else "")
        w(f"| {fig['figure']} | {fmt_value(o)} | {fmt_value(b)} | {rtext} | {goal} | {res} |")
        details.append(f"- **{fig['figure']}**: `{fig['ours']}` vs `{fig['base']}`"
                       f"{' ' + str(fig['params']) if fig['params'] else ''}: {fig['op']}.")
    w("")
    w("What each figure measures (one operation):\n")
    out.extend(details)
    w("")

    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            w(f.read().rstrip() + "\n")

    w("## Every result\n")
    w("| Benchmark | Parameters | Mode | Samples | Score | Error | Unit | From |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in sorted(results, key=lambda r: (r["benchmark"], sorted(r.get("params", {}).items()))):
        name = r["benchmark"].replace(PKG, "")
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items())) or "—"
        s, e, u, n = value(r, "time")
        src = os.path.basename(r["source"])
        w(f"| {name} | {params} | {r['mode']} | {n} | {fmt(s)} | {fmt(e) if e is not None else '—'} | {u} "
          f"| {src} |")
        if AUX in r.get("secondaryMetrics", {}):
            s, e, u, n = value(r, "bytes")
            w(f"| {name}:{AUX} | {params} | {r['mode']} | {n} | {fmt(s)} | {fmt(e) if e is not None else '—'} "
              f"| {u} | {src} |")
    w("")

    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
