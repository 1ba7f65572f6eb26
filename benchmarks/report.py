#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns JMH JSON results into benchmarks/RESULTS.md: each figure beside its baseline, the ratio, the goal, PASS/MISS,
and beside it the allocation per operation of both (JMH's `-prof gc`, `gc.alloc.rate.norm`), their ratio and its goal;
then the scale figures (ScaleBenchmark) and every result.

Usage: report.py [--mode full|quick] [--meta run.json] [--notes NOTES.md] --out FILE JSON...

Standard library only. The figures, their baselines and their goals are listed in FIGURES below, each goal with the
issue that set it (issue 13's list; figures it does not name keep issue 6's). A figure whose results are missing from
the JSON is reported as such rather than left out, except the figures of benchmarks that may not exist yet
(`optional`): those are left out of the table with a note saying so.
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

ISSUE13 = "issue 13"
ISSUE6 = "issue 6"

# kind: "time" (lower is better, goal is a maximum ratio of times), "thrpt" (higher is better, goal is a minimum ratio
# of throughputs), "bytes" (auxiliary counter retainedBytesPerItem; goal, if any, is an absolute maximum in bytes),
# "median" (no baseline; goal is a maximum for the median of the shots, in seconds). A time or throughput goal is
# restated in the other form when the benchmark reports in the other mode (its unit decides).
# alloc_goal: the maximum ratio of allocation per operation (gc.alloc.rate.norm), ours / baseline.
# optional: the benchmark may be absent from the JSON (written in parallel); then the row is left out with a note.
FIGURES = [
    dict(figure="Invitation round trip, 1 in flight", ours="rsocket.InvitationBenchmark.invite",
         base="rsocket.InvitationBenchmark.bareRequestResponse", params={"inFlight": "1"}, kind="time",
         goal=1.2, source=ISSUE13, alloc_goal=1.5,
         op="one invitation, receiver declines at once; baseline: request-response of the same sizes"),
    dict(figure="Invitation round trip, 16 in flight", ours="rsocket.InvitationBenchmark.invite",
         base="rsocket.InvitationBenchmark.bareRequestResponse", params={"inFlight": "16"}, kind="time",
         goal=1.2, source=ISSUE13, alloc_goal=1.5, op="a batch of 16 concurrent invitations"),
    dict(figure="Remote presence read", ours="rsocket.PresenceReadBenchmark.presence",
         base="rsocket.PresenceReadBenchmark.bareRequestResponse", params={}, kind="time", goal=1.2,
         source=ISSUE13, op="peer.presence() of a contact; baseline: request-response of the same sizes"),
    dict(figure="Presence fan-out, 1 follower", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "1"}, kind="thrpt", goal=0.8,
         source=ISSUE6,
         op="a presence change seen by every follower (peer.events()); baseline: request-stream push"),
    dict(figure="Presence fan-out, 100 followers", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "100"}, kind="thrpt", goal=0.8,
         source=ISSUE13, alloc_goal=1.5, op="as above, 100 followers on 1 follower endpoint"),
    dict(figure="Presence fan-out, 1,000 followers", ours="rsocket.FanOutBenchmark.presenceFanOut",
         base="rsocket.FanOutBenchmark.bareRequestStream", params={"followers": "1000"}, kind="thrpt", goal=0.8,
         source=ISSUE13, alloc_goal=1.5, op="as above, 1,000 followers on 5 follower endpoints"),
    dict(figure="Presence fan-out, 100 follower endpoints", ours="rsocket.FanOutEndpointsBenchmark.presenceFanOut",
         base="rsocket.FanOutEndpointsBenchmark.bareRequestStream", params={"endpoints": "100"}, kind="thrpt",
         goal=0.8, source=ISSUE13, alloc_goal=1.5, optional=True,
         op="as above, like for like: 100 follower endpoints with one peer.events() each, so one stream per "
            "connection on both sides; baseline: 100 connections, one request-stream each"),
    dict(figure="Presence fan-out, 1,000 follower endpoints", ours="rsocket.FanOutEndpointsBenchmark.presenceFanOut",
         base="rsocket.FanOutEndpointsBenchmark.bareRequestStream", params={"endpoints": "1000"}, kind="thrpt",
         goal=0.8, source=ISSUE13, alloc_goal=1.5, optional=True,
         op="as above, 1,000 follower endpoints and 1,000 connections"),
    dict(figure="Local presence stream, 1,000 subscribers", ours="PresenceChangesBenchmark.presenceChanges",
         base="PresenceChangesBenchmark.bareMulticastSink", params={"subscribers": "1000"}, kind="thrpt", goal=0.8,
         source=ISSUE13,
         op="a setPresence seen by 1,000 presenceChanges() subscribers; baseline: "
            "Sinks.many().multicast().directBestEffort()"),
    dict(figure="Session messages, 1 KiB, one direction", ours="rsocket.SessionBenchmark.sessionSend",
         base="rsocket.SessionBenchmark.bareRequestChannel", params={}, kind="thrpt", goal=0.8, source=ISSUE13,
         alloc_goal=1.5, op="one message host -> member, received; baseline: request-channel payload of the same size"),
    dict(figure="Bulk transfer through a session", ours="rsocket.BulkTransferBenchmark.sessionTransfer",
         base="rsocket.BulkTransferBenchmark.bareRequestChannel", params={}, kind="thrpt", goal=0.8,
         source=ISSUE13, optional=True,
         op="256 MiB in 64 KiB messages through a CollaborationSession; baseline: the same bytes over a bare "
            "request-channel"),
    dict(figure="(reference) bulk transfer vs a plain TLS socket copy",
         ours="rsocket.BulkTransferBenchmark.sessionTransfer", base="rsocket.BulkTransferBenchmark.tlsSocketCopy",
         params={}, kind="thrpt", goal=None, optional=True,
         op="baseline: the same bytes copied over a plain TLS socket, the machine's limit"),
    dict(figure="Contact store (10,000 contacts): add", ours="contact.ContactStoreBenchmark.add",
         base="contact.ContactStoreBenchmark.bareInsert", params={"contacts": "10000"}, kind="time", goal=1.3,
         source=ISSUE6, op="insert one contact, committed to the H2 file; baseline: bare R2DBC INSERT"),
    dict(figure="Contact store (10,000 contacts): find", ours="contact.ContactStoreBenchmark.find",
         base="contact.ContactStoreBenchmark.bareSelectOne", params={"contacts": "10000"}, kind="time", goal=1.3,
         source=ISSUE13, op="find one contact by name; baseline: bare R2DBC SELECT by primary key"),
    dict(figure="Contact store (10,000 contacts): list", ours="contact.ContactStoreBenchmark.list",
         base="contact.ContactStoreBenchmark.bareSelectAll", params={"contacts": "10000"}, kind="time", goal=1.3,
         source=ISSUE13, op="list all 10,000 contacts; baseline: bare R2DBC SELECT of all rows"),
    dict(figure="Connection set-up", ours="rsocket.ConnectBenchmark.connect",
         base="rsocket.ConnectBenchmark.bareTlsConnect", params={}, kind="time", goal=1.2, source=ISSUE6,
         op="TCP + TLS 1.3 (mutual) + pin check + SETUP + hello; baseline: Reactor Netty TLS connect"),
    dict(figure="Discovery: sign-in -> ADDED", ours="discovery.DiscoveryBenchmark.signInToAdded",
         base="discovery.DiscoveryBenchmark.bareRegisterToResolved", params={}, kind="time", goal=1.0,
         source=ISSUE13,
         op="signIn(NEAR_ME) until another peer's peersNearMe() says ADDED; baseline: registerService on an open "
            "jmDNS instance until serviceResolved"),
    dict(figure="(reference) sign-in -> ADDED vs jmDNS opened per sign-in",
         ours="discovery.DiscoveryBenchmark.signInToAdded",
         base="discovery.DiscoveryBenchmark.bareOpenAndRegisterToResolved", params={}, kind="time", goal=None,
         op="baseline: JmDNS.create + registerService until serviceResolved"),
    dict(figure="Discovery: first sign-in of a process -> seen",
         ours="discovery.DiscoveryBenchmark.firstSignInToResolved", base=None, params={}, kind="median", goal=2.0,
         source=ISSUE13, optional=True,
         op="the very first signIn(NEAR_ME) of a fresh JVM (one fork per shot) until a plain jmDNS browser resolves "
            "its service (an ADDED on a library observer would need that observer's own first sign-in); an "
            "absolute goal on the median of the shots"),
    dict(figure="Discovery: sign-out -> REMOVED", ours="discovery.DiscoveryBenchmark.signOutToRemoved",
         base="discovery.DiscoveryBenchmark.bareUnregisterToRemoved", params={}, kind="time", goal=0.25,
         source=ISSUE6,
         op="signOut(NEAR_ME) until the other peer's peersNearMe() says REMOVED; baseline: unregisterService until "
            "serviceRemoved"),
    dict(figure="Memory per peer near me", ours="MemoryFootprintBenchmark.peerNearMe",
         base="MemoryFootprintBenchmark.barePeerNearMe", params={}, kind="bytes", goal=8192, source=ISSUE13,
         op="observer's retained heap per verified peer near me; baseline: a jmDNS browser keeping ServiceInfo"),
    dict(figure="Memory per peer near me, soft references cleared",
         ours="MemoryFootprintBenchmark.peerNearMeSoftCleared",
         base="MemoryFootprintBenchmark.barePeerNearMeSoftCleared", params={}, kind="bytes", goal=8192,
         source=ISSUE13, optional=True,
         op="as above in a JVM run with -XX:SoftRefLRUPolicyMSPerMB=0: what stays strongly reachable (the JDK's "
            "certificate cache, filled by every TLS handshake, is soft)"),
    dict(figure="Memory per idle connection", ours="MemoryFootprintBenchmark.idleConnection",
         base="MemoryFootprintBenchmark.bareIdleConnection", params={}, kind="bytes", goal=None,
         op="both ends; baseline: bare RSocket TLS connection"),
    dict(figure="Memory per follower subscription", ours="MemoryFootprintBenchmark.followerSubscription",
         base="MemoryFootprintBenchmark.bareFollowerSubscription", params={}, kind="bytes", goal=None,
         op="both ends; baseline: bare request-stream subscription"),
]

# The scale figures: one community per row; size is the parameter that holds its number of endpoints.
SCALE = [
    dict(community="In-memory transport", bench="ScaleBenchmark.inMemory", size="inMemoryEndpoints"),
    dict(community="RSocket, TCP + TLS 1.3 on loopback", bench="ScaleBenchmark.overRSocket", size="rsocketEndpoints"),
]

AUX = "retainedBytesPerItem"
GC = "gc.alloc.rate.norm"

# The machine counts as otherwise idle when, in 90% of the samples, processes other than the benchmarks' used less
# than this many cores.
IDLE_CORES = 0.2

# Two-sided 99.9% Student t quantiles (JMH reports score errors at 99.9%), by degrees of freedom.
T999 = {1: 636.619, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781,
        10: 4.587, 11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015, 17: 3.965, 18: 3.922,
        19: 3.883, 20: 3.850, 25: 3.725, 30: 3.646, 40: 3.551, 60: 3.460, 120: 3.373}

# Seconds per unit of a time-per-operation unit, operations per second of a throughput unit.
TIME_UNITS = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0, "min/op": 60.0}
THRPT_UNITS = {"ops/ns": 1e9, "ops/us": 1e6, "ops/ms": 1e3, "ops/s": 1.0, "ops/min": 1 / 60.0}


def t999(df):
    if df in T999:
        return T999[df]
    for k in sorted(T999):
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


def find_all(results, name, params):
    full = PKG + name
    found = [r for r in results if r["benchmark"] == full
             and all(r.get("params", {}).get(k) == v for k, v in params.items())]
    return sorted(found, key=lambda r: sorted(r.get("params", {}).items()))


def find_beside(results, name, params):
    """The result of `name` whose parameters agree with `params` on every parameter both have."""
    full = PKG + name
    for r in results:
        if r["benchmark"] != full:
            continue
        rp = r.get("params", {})
        if all(params[k] == v for k, v in rp.items() if k in params):
            return r
    return None


def finite(x):
    return isinstance(x, (int, float)) and not math.isnan(x) and not math.isinf(x)


def number(x):
    """JMH writes NaN as the string "NaN"."""
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:
            return None
    return x if finite(x) else None


def samples(m):
    raw = [x for fork in m.get("rawData", []) for x in fork]
    if raw:
        return raw
    # SampleTime: a histogram of [value, count] pairs per iteration, per fork
    hist = m.get("rawDataHistogram", [])
    out = []
    for fork in hist:
        for iteration in fork:
            for v, c in iteration:
                out.extend([v] * int(c))
    return out


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
    if kind == "median":
        raw = samples(m)
        if not raw:
            return None
        unit = m["scoreUnit"]
        per = TIME_UNITS.get(unit)
        if per is None:
            return None
        return statistics.median(raw) * per, None, "s (median)", len(raw)
    return m["score"], number(m.get("scoreError")), m["scoreUnit"], len(samples(m))


def secondary(r, name):
    """(score, error or None) of a secondary result, or None."""
    m = r.get("secondaryMetrics", {}).get(name) if r else None
    if not m or number(m.get("score")) is None:
        return None
    return number(m["score"]), number(m.get("scoreError"))


def aux_mean(r, name):
    """The mean of an auxiliary counter over the measurement iterations, or None."""
    m = r.get("secondaryMetrics", {}).get(name) if r else None
    if not m:
        return None
    raw = [x for x in (number(v) for fork in m.get("rawData", []) for v in fork) if x is not None]
    if raw:
        return statistics.fmean(raw)
    return number(m.get("score"))


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


def fmt_bytes(x):
    if x is None:
        return "n/a"
    if abs(x) >= 1_000_000:
        return f"{x / 1e6:,.{1 if abs(x) >= 10_000_000 else 2}f} MB"
    if abs(x) >= 10_000:
        return f"{x / 1e3:,.1f} KB"
    return f"{x:,.0f} B"


def fmt_value(v):
    score, err, unit, n = v
    e = f" ± {fmt(err)}" if err is not None else " (1 sample, no error)" if n <= 1 else ""
    return f"{fmt(score)}{e} {unit}"


def unit_kind(unit):
    if unit in TIME_UNITS:
        return "time"
    if unit in THRPT_UNITS:
        return "thrpt"
    return None


def normalised(v):
    """The value in seconds per operation or operations per second, so that two units can be compared."""
    score, err, unit, n = v
    f = TIME_UNITS.get(unit) or THRPT_UNITS.get(unit) or 1.0
    return score * f, (err * f if err is not None else None), unit, n


def ratio_of(o, b):
    (s1, e1, _, _), (s2, e2, _, _) = normalised(o), normalised(b)
    if not finite(s1) or not finite(s2) or s2 == 0:
        return None, None
    r = s1 / s2
    if e1 is None or e2 is None or s1 == 0:
        return r, None
    return r, r * math.sqrt((e1 / s1) ** 2 + (e2 / s2) ** 2)


def source(fig):
    return f" ({fig['source']})" if fig.get("source") else ""


def verdict(fig, o, r, rerr):
    kind, goal = fig["kind"], fig["goal"]
    if goal is None:
        return "—", "no goal (reference)"
    if kind == "bytes":
        score = o[0]
        text = f"≤ {goal:,} bytes ({goal / 1024:g} KiB){source(fig)}"
        if score <= goal:
            return "PASS", text
        return f"MISS (+{(score / goal - 1) * 100:.0f}%, {score / goal:.1f}× the goal)", text
    if kind == "median":
        score = o[0]
        text = f"median < {goal:g} s{source(fig)}"
        if score < goal:
            return "PASS", text
        return f"MISS ({score / goal:.2f}× the goal)", text
    if r is None:
        return "n/a", ""
    measured = unit_kind(o[2]) or kind
    restated = ""
    if measured != kind:
        # the benchmark reports in the other mode: the same goal, stated for its unit
        restated = f" (= {'≥' if kind == 'thrpt' else '≤'} {goal:g}× its {'throughput' if kind == 'thrpt' else 'time'})"
        goal, kind = 1 / goal, measured
    if kind == "time":
        ok = r <= goal
        text = f"≤ {goal:.3g}× baseline time{restated}{source(fig)}"
        miss = f"MISS ({r / goal:.2f}× the allowed time)"
    else:
        ok = r >= goal
        text = f"≥ {goal:.3g}× baseline throughput{restated}{source(fig)}"
        miss = f"MISS ({(1 - r / goal) * 100:.0f}% short of the goal)"
    res = "PASS" if ok else miss
    if rerr is not None and r - rerr <= goal <= r + rerr:
        res += " (within error)"
    return res, text


def alloc_cells(fig, ro, rb):
    """Allocation per operation of ours and the baseline, their ratio, the goal and its verdict."""
    if fig["kind"] == "bytes":
        # a memory shot allocates whatever creating its items takes; its heap figure is the one to read
        return ["—", "—", "—", "—", "—"]
    ao = secondary(ro, GC)
    ab = secondary(rb, GC) if fig.get("base") else None
    goal = fig.get("alloc_goal")
    goal_text = f"≤ {goal:g}×{source(fig)}" if goal else "—"
    if ao is None and ab is None:
        return ["not measured", "not measured" if fig.get("base") else "—", "n/a", goal_text,
                "n/a (run without -prof gc)" if goal else "—"]
    ratio = None
    if ao is not None and ab is not None and ab[0] >= 1:
        ratio = ao[0] / ab[0]
    if goal is None or ratio is None:
        res = "—" if goal is None else "n/a"
    elif ratio <= goal:
        res = "PASS"
    else:
        res = f"MISS ({ratio / goal:.2f}× the allowed)"
    return [fmt_bytes(ao[0]) if ao else "n/a",
            (fmt_bytes(ab[0]) if ab else "n/a") if fig.get("base") else "— (no baseline)",
            f"{ratio:.2f}" if ratio is not None else "n/a", goal_text, res]


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


def spread(xs):
    """(min, median, 90th percentile, max, count) of a list of numbers, or None."""
    xs = [x for x in (xs or []) if finite(x)]
    if not xs:
        return None
    s = sorted(xs)
    p90 = s[min(len(s) - 1, math.ceil(0.9 * len(s)) - 1)]
    return s[0], statistics.median(s), p90, s[-1], len(s)


def describe_load(meta, cores):
    """The lines saying how busy the machine was, and plainly whether it was otherwise idle."""
    try:
        n = float(cores)
    except (TypeError, ValueError):
        n = None
    others, ours, load = spread(meta.get("others_cores")), spread(meta.get("ours_cores")), spread(meta.get("load"))
    lines = []
    load_text = (f"load average (1 min) min {load[0]:.1f}, median {load[1]:.1f}, max {load[3]:.1f} on {cores} cores, "
                 f"{load[4]} samples; it counts the benchmarks' own threads") if load else ""
    if others:
        interval = meta.get("interval")
        every = f", sampled every {interval} s" if interval else ""
        usage = (f"processes other than the benchmarks used a median of {others[1]:.2f} cores (90th percentile "
                 f"{others[2]:.2f}, max {others[3]:.2f}; {others[4]} samples{every}) of {cores}, while the "
                 f"benchmarks used a median of {ours[1]:.2f}" if ours else "")
        if others[2] < IDLE_CORES:
            lines.append(f"- **The machine was otherwise idle** while this ran: {usage}. "
                         f"({load_text}.)")
        else:
            lines.append(f"- **The machine was NOT idle**: other processes ran at the same time; "
                         f"{usage}. ({load_text}.) Absolute numbers are therefore pessimistic and noisy; each figure "
                         f"and its baseline ran in the same JMH run, one after the other, so their ratio is the "
                         f"figure to read, and allocation per operation does not depend on the load.")
        lines.append(f"- Idle means: other processes used less than {IDLE_CORES:g} cores in 90% of the samples "
                     f"(CPU time from `/proc/stat` less that of the benchmark processes from `/proc/<pid>/stat`).")
    elif load:
        if n is not None and load[1] > n:
            lines.append(f"- **The machine was NOT idle**: {load_text}; the benchmarks alone keep it at 1-2, so "
                         f"other processes ran at the same time. Read ratios, not absolute numbers.")
        else:
            lines.append(f"- **Whether the machine was idle is not known**: this run recorded the load average "
                         f"only ({load_text}), not which processes used the CPU.")
    else:
        lines.append("- **Whether the machine was idle is not known**: nothing about its load was recorded; read "
                     "ratios, not absolute numbers.")
    return lines


def figure_rows(fig, results, quick):
    """(cells, detail) per row of a figure, or None to leave it out."""
    ours = find_all(results, fig["ours"], fig["params"])
    pairs = []
    for ro in ours:
        rb = find_beside(results, fig["base"], ro.get("params", {})) if fig.get("base") else None
        pairs.append((ro, rb))
    if not pairs and fig.get("base"):
        pairs = [(None, rb) for rb in find_all(results, fig["base"], fig["params"])]
    if not pairs:
        return None
    rows = []
    for ro, rb in pairs:
        label = fig["figure"]
        extra = {k: v for k, v in (ro or rb).get("params", {}).items() if k not in fig["params"]}
        if len(pairs) > 1 and extra:
            label += " (" + ", ".join(f"{k}={v}" for k, v in sorted(extra.items())) + ")"
        o = value(ro, fig["kind"]) if ro else None
        b = value(rb, fig["kind"]) if rb else None
        alloc = alloc_cells(fig, ro, rb)
        if fig.get("base") is None:
            if o is None:
                rows.append([label, "not run", "—", "—", "", f"NOT RUN ({fig['ours']})"] + alloc)
                continue
            res, goal = verdict(fig, o, None, None)
            rows.append([label, fmt_value(o), "— (absolute goal)", "—", goal, res] + alloc)
            continue
        if o is None or b is None:
            missing = [n for n, v in ((fig["ours"], o), (fig["base"], b)) if v is None]
            rows.append([label, fmt_value(o) if o else "not run", fmt_value(b) if b else "not run", "n/a", "",
                         f"NOT RUN ({', '.join(missing)})"] + alloc)
            continue
        r, rerr = ratio_of(o, b)
        res, goal = verdict(fig, o, r, rerr)
        rtext = "n/a" if r is None else f"{r:.2f}" + (f" ± {rerr:.2f}" if rerr is not None else "")
        rows.append([label, fmt_value(o), fmt_value(b), rtext, goal, res] + alloc)
    return rows


def scale_section(results, w):
    w("## Scale: a neighbourhood in one JVM\n")
    w("`ScaleBenchmark`: every endpoint of a community is near every other (each verifies all others as peers near "
      "me) and follows 10 contacts (`peer(contact).events()`), so each is followed by 10. One operation is one "
      "presence change, by the endpoints in turn, until its last follower has it (JMH `SampleTime`). Heap per "
      "endpoint is retained heap after full collections, everything an endpoint holds (identity, peers near me, "
      "contacts, both ends of its followings) divided by the endpoints; CPU per change is the whole JVM's CPU time "
      "(all threads, garbage collector included) over the measurement iterations divided by the changes; "
      "allocation per change is `gc.alloc.rate.norm`, all threads; idle CPU is the community's background work "
      "while nothing changes. There is no baseline: nobody publishes this figure.\n")
    w("| Community | Endpoints | Follows each | Heap per endpoint | Change → last follower, p50 | p99 | "
      "CPU per change | Allocation per change | Idle CPU | Changes sampled |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    missing = []
    for s in SCALE:
        found = find_all(results, s["bench"], {})
        if not found:
            missing.append(f"`{s['bench']}`")
            continue
        for r in found:
            p = r.get("params", {})
            m = r["primaryMetric"]
            pct = m.get("scorePercentiles", {})
            unit = m.get("scoreUnit", "").replace("/op", "")
            heap = aux_mean(r, "heapBytesPerEndpoint")
            cpu = aux_mean(r, "cpuMicrosPerChange")
            idle = aux_mean(r, "idleCpuPercent")
            alloc = secondary(r, GC)
            p50, p99 = number(pct.get("50.0")), number(pct.get("99.0"))
            w(f"| {s['community']} | {p.get(s['size'], '?')} | {p.get('follows', '?')} | {fmt_bytes(heap)} "
              f"| {fmt(p50)} {unit} | {fmt(p99)} {unit} | {fmt(cpu)} us | "
              f"{fmt_bytes(alloc[0]) if alloc else 'not measured'} | "
              f"{fmt(idle) + ' % of one core' if idle is not None else 'n/a'} | {len(samples(m)):,} |")
    if missing:
        w(f"\nNot in this run: {', '.join(missing)}.")
    w("")


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
    command = meta.get("command", "benchmarks/run.sh " + a.mode)
    seconds = meta.get("seconds")
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
    w(f"- Command: `{command}` (from the repository root), "
      f"{'taking ' + str(seconds // 60) + ' min ' + str(seconds % 60) + ' s' if seconds else ''}; "
      f"JSON: {', '.join('`' + p + '`' for p in a.json)}")
    w(f"- Date: {date}; commit {m.get('commit', '?')}")
    w(f"- Machine: {m.get('cores', '?')} cores (`nproc`), {m.get('cpu', '?')}, {m.get('memory', '?')} RAM, "
      f"{m.get('os', '?')}")
    w(f"- JDK: {first.get('vmName', '?')} {first.get('vmVersion', '')} (JDK {first.get('jdkVersion', '?')}); "
      f"JMH {first.get('jmhVersion', '?')}; `java -version`: {m.get('java', '?')}")
    out.extend(describe_load(meta, m.get("cores", "?")))
    w("- Errors are JMH's 99.9% confidence half-intervals; a ratio's error combines both relative errors.")
    w("- Allocation is JMH's `-prof gc` figure `gc.alloc.rate.norm`: bytes allocated per operation by every thread "
      "of the JVM (both ends of a connection live in it). It does not depend on the load.\n")

    w("## Figures\n")
    w("Goals are issue 13's; a figure it does not name keeps the goal issue 6 gave it (marked).\n")
    w("| Figure | Ours | Baseline | Ratio (ours / baseline) | Goal | Result "
      "| Alloc ours | Alloc baseline | Alloc ratio | Alloc goal | Alloc result |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    details = []
    left_out = []
    for fig in FIGURES:
        rows = figure_rows(fig, results, a.mode == "quick")
        if rows is None:
            if fig.get("optional"):
                left_out.append(fig)
            elif a.mode == "quick":
                w(f"| {fig['figure']} | | | | | not in quick mode (its parameters are not run) | | | | | |")
            else:
                w(f"| {fig['figure']} | not run | not run | n/a | | NOT RUN ({fig['ours']}) | | | | | |")
            continue
        for cells in rows:
            w("| " + " | ".join(cells) + " |")
        base = f" vs `{fig['base']}`" if fig.get("base") else ""
        details.append(f"- **{fig['figure']}**: `{fig['ours']}`{base}"
                       f"{' ' + str(fig['params']) if fig['params'] else ''}: {fig['op']}.")
    w("")
    if left_out:
        w("Left out because this run has no results of their benchmark (it is newer than the run, or was not "
          "selected): " + "; ".join(f"{f['figure']} (`{f['ours']}`"
                                    f"{' vs `' + f['base'] + '`' if f.get('base') else ''})" for f in left_out)
          + ".\n")
    w("What each figure measures (one operation):\n")
    out.extend(details)
    w("")

    scale_section(results, w)

    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            w(f.read().rstrip() + "\n")

    w("## Every result\n")
    w("| Benchmark | Parameters | Mode | Samples | Score | Error | Unit | Alloc (B/op) | From |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in sorted(results, key=lambda r: (r["benchmark"], sorted(r.get("params", {}).items()))):
        name = r["benchmark"].replace(PKG, "")
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items())) or "—"
        s, e, u, n = value(r, "time")
        alloc = secondary(r, GC)
        src = os.path.basename(r["source"])
        w(f"| {name} | {params} | {r['mode']} | {n} | {fmt(s)} | {fmt(e) if e is not None else '—'} | {u} "
          f"| {fmt(alloc[0]) if alloc else '—'} | {src} |")
        if AUX in r.get("secondaryMetrics", {}):
            s, e, u, n = value(r, "bytes")
            w(f"| {name}:{AUX} | {params} | {r['mode']} | {n} | {fmt(s)} | {fmt(e) if e is not None else '—'} "
              f"| {u} | — | {src} |")
    w("")

    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
