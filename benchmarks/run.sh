#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the PeerCollab JMH benchmarks, each figure beside its baseline, and writes a report.
#
#   benchmarks/run.sh quick   every benchmark once, in one JVM, with small parameters: a smoke test of the
#                             benchmarks (CI runs the same through QuickBenchmarkSmokeTest), not numbers to publish.
#                             Writes benchmarks/target/jmh/quick-*.json and benchmarks/target/jmh/RESULTS-quick.md.
#   benchmarks/run.sh full    the settings of the published numbers (the annotations of each class: one fork per
#                             benchmark, 3 x 2 s warm-up (15 for FanOutEndpointsBenchmark) and 5 x 2 s
#                             measurement, or 1 + 5 shots for discovery and 3 shots for memory). Writes
#                             benchmarks/results/jmh-full.json and regenerates benchmarks/RESULTS.md.
#   benchmarks/run.sh report  regenerates benchmarks/RESULTS.md from the recorded full run (benchmarks/results/) and
#                             the analysis in benchmarks/results/NOTES.md, without running anything.
#
# Every mode runs JMH with its GC profiler (-prof gc), so that each figure's allocation per operation
# (gc.alloc.rate.norm) is reported beside its ratio. Any further arguments go to JMH, for instance a benchmark
# pattern and more profilers:
#   benchmarks/run.sh full 'PresenceChangesBenchmark' -prof stack
# (a run restricted this way does not regenerate RESULTS.md). Builds benchmarks/target/benchmarks.jar if it is
# missing. Everything binds to 127.0.0.1; mDNS runs on loopback only.
set -euo pipefail

cd "$(dirname "$0")/.."
mode=${1:-}
shift || true

jar=benchmarks/target/benchmarks.jar
work=benchmarks/target/jmh
mkdir -p "$work"

if [ ! -f "$jar" ]; then
	echo "== building $jar"
	mvn -B -q -o -pl benchmarks -am package -DskipTests || mvn -B -q -pl benchmarks -am package -DskipTests
fi

java_opts=(-Djava.net.preferIPv4Stack=true)
jvm_args=(-jvmArgsAppend "-Djava.net.preferIPv4Stack=true")
# Allocation per operation beside every figure: JMH's GC profiler (gc.alloc.rate.norm), unless the arguments name
# a gc profiler already.
gc=(-prof gc)
case " $* " in
	*" -prof gc"*) gc=() ;;
esac
# Seconds-scale benchmarks: one shot each in quick mode, no warm-up shot.
shots='DiscoveryBenchmark|MemoryFootprintBenchmark'

# Samples, every $interval s while the benchmarks run, the load average and how much CPU went to the benchmarks
# (this script's process tree, forked JMH JVMs included) and to everything else on the machine: the machine is
# shared, and the report says plainly whether it was otherwise idle. One line per sample:
#   <1-min load average> <busy jiffies of the machine> <all jiffies of the machine> <jiffies of this process tree>
interval=5
sample_cpu() { # outfile rootpid
	# exec: the background job is the sampler itself, so that killing it at exit leaves nothing behind
	exec python3 - "$1" "$2" "$interval" <<'PY'
import os, sys, time
out, root, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy, busy + v[3] + v[4]

def tree():
    # CPU of the tree rooted at root: each live process's own time plus that of its reaped children
    children, own = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid = int(rest[1])
        own[int(pid)] = sum(int(x) for x in rest[11:15])
        children.setdefault(ppid, []).append(int(pid))
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        total += own.get(p, 0)
        todo.extend(children.get(p, []))
    return total

while True:
    busy, total = machine()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    with open(out, "a") as f:
        f.write(f"{load} {busy} {total} {tree()}\n")
    time.sleep(interval)
PY
}

# Records what report.py needs to describe the run later: command, duration, commit, date, cores, JDK, and per
# sample interval the load average and the cores used by the benchmarks and by every other process.
write_meta() { # file command seconds samplefile
	python3 - "$@" "$commit" "$date" "$interval" <<'PY'
import json, os, subprocess, sys
out, command, seconds, samplefile, commit, date, interval = sys.argv[1:8]
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
cores = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or os.cpu_count())
rows = []
with open(samplefile) as f:
    for line in f:
        parts = line.split()
        if len(parts) == 4:
            rows.append((float(parts[0]), int(parts[1]), int(parts[2]), int(parts[3])))
load, ours, others = [r[0] for r in rows], [], []
for (_, b0, t0, o0), (_, b1, t1, o1) in zip(rows, rows[1:]):
    if t1 <= t0:
        continue
    # jiffies of all cores in the interval: share of the machine times cores = cores used
    ours.append(round(max(0, o1 - o0) / (t1 - t0) * cores, 3))
    others.append(round(max(0, (b1 - b0) - (o1 - o0)) / (t1 - t0) * cores, 3))
meta = dict(command=command, seconds=int(seconds), commit=commit, date=date, cores=str(cores),
            java=" / ".join(l.strip() for l in java), interval=float(interval), load=load, ours_cores=ours,
            others_cores=others)
with open(out, "w") as f:
    json.dump(meta, f, indent=1)
PY
}

commit=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	commit="$commit (with uncommitted changes)"
fi
date=$(date -u '+%Y-%m-%d %H:%M UTC')
start=$(date +%s)
case "$mode" in
	quick)
		rm -f "$work"/quick-*.json "$work/cpu-quick.txt"
		sample_cpu "$work/cpu-quick.txt" $$ &
		sampler=$!
		trap 'kill $sampler 2>/dev/null || true' EXIT
		java "${java_opts[@]}" -jar "$jar" -e "$shots" -f 0 -wi 1 -i 1 -w 500ms -r 500ms "${gc[@]}" \
			-p inFlight=16 -p followers=100 -p endpoints=100 -p inMemoryEndpoints=24 -p rsocketEndpoints=12 -p transferMiB=2 \
			-rf json -rff "$work/quick-timed.json" "$@"
		java "${java_opts[@]}" -jar "$jar" "$shots" -f 0 -wi 0 -i 1 "${gc[@]}" \
			-p connections=8 -p subscriptions=40 -p neighbours=8 \
			-rf json -rff "$work/quick-shots.json" "$@"
		end=$(date +%s)
		echo "== quick mode took $((end - start)) s"
		write_meta "$work/run-quick.json" "benchmarks/run.sh quick" $((end - start)) "$work/cpu-quick.txt"
		python3 benchmarks/report.py --mode quick --meta "$work/run-quick.json" \
			--out "$work/RESULTS-quick.md" "$work"/quick-*.json
		echo "== report: $work/RESULTS-quick.md"
		;;
	full)
		mkdir -p benchmarks/results
		if [ $# -gt 0 ]; then
			# a partial or profiled run: JMH's own output only
			java "${java_opts[@]}" -jar "$jar" -f 1 "${jvm_args[@]}" "${gc[@]}" "$@"
			exit 0
		fi
		rm -f "$work/cpu-full.txt"
		sample_cpu "$work/cpu-full.txt" $$ &
		sampler=$!
		trap 'kill $sampler 2>/dev/null || true' EXIT
		java "${java_opts[@]}" -jar "$jar" -f 1 "${jvm_args[@]}" "${gc[@]}" \
			-rf json -rff benchmarks/results/jmh-full.json
		end=$(date +%s)
		echo "== full mode took $((end - start)) s"
		write_meta benchmarks/results/run-full.json "benchmarks/run.sh full" $((end - start)) "$work/cpu-full.txt"
		benchmarks/run.sh report
		echo "== report: benchmarks/RESULTS.md"
		;;
	report)
		# regenerates RESULTS.md from the recorded full run, e.g. after editing NOTES.md; a re-run of single
		# benchmarks saved as benchmarks/results/jmh-rerun-*.json (see NOTES.md) replaces their full-run results
		python3 benchmarks/report.py --mode full --meta benchmarks/results/run-full.json \
			--notes benchmarks/results/NOTES.md --out benchmarks/RESULTS.md benchmarks/results/jmh-full.json \
			$(ls benchmarks/results/jmh-rerun-*.json 2>/dev/null || true)
		;;
	*)
		echo "usage: $0 quick|full|report [JMH options]" >&2
		exit 2
		;;
esac
