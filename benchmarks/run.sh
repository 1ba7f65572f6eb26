#!/usr/bin/env bash
# Runs the PeerCollab JMH benchmarks, each figure beside its baseline, and writes a report.
#
#   benchmarks/run.sh quick   every benchmark once, in one JVM, with small parameters: a smoke test of the
#                             benchmarks (CI runs the same through QuickBenchmarkSmokeTest), not numbers to publish.
#                             Writes benchmarks/target/jmh/quick-*.json and benchmarks/target/jmh/RESULTS-quick.md.
#   benchmarks/run.sh full    the settings of the published numbers (the annotations of each class: one fork per
#                             benchmark, 3 x 2 s warm-up and 5 x 2 s measurement, or 1 + 5 shots for discovery and
#                             3 shots for memory). Writes benchmarks/results/jmh-full.json and regenerates
#                             benchmarks/RESULTS.md.
#   benchmarks/run.sh report  regenerates benchmarks/RESULTS.md from the recorded full run (benchmarks/results/) and
#                             the analysis in benchmarks/results/NOTES.md, without running anything.
#
# Any further arguments go to JMH, for instance a benchmark pattern and profilers:
#   benchmarks/run.sh full 'PresenceChangesBenchmark' -prof gc
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
# Seconds-scale benchmarks: one shot each in quick mode, no warm-up shot.
shots='DiscoveryBenchmark|MemoryFootprintBenchmark'

# Samples the load average while the benchmarks run: the machine is shared, and the report says how busy it was.
sample_load() {
	while true; do
		cut -d' ' -f1 /proc/loadavg >>"$1"
		sleep 10
	done
}

# Records what report.py needs to describe the run later: command, duration, commit, date, cores, JDK, load.
write_meta() { # file command seconds loadfile
	python3 - "$@" "$commit" "$date" <<'PY'
import json, subprocess, sys
out, command, seconds, loadfile, commit, date = sys.argv[1:7]
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
with open(loadfile) as f:
    load = [float(l) for l in f if l.strip()]
meta = dict(command=command, seconds=int(seconds), commit=commit, date=date,
            cores=subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
            java=" / ".join(l.strip() for l in java), load=load)
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
		rm -f "$work"/quick-*.json "$work/load-quick.txt"
		sample_load "$work/load-quick.txt" &
		sampler=$!
		trap 'kill $sampler 2>/dev/null || true' EXIT
		java "${java_opts[@]}" -jar "$jar" -e "$shots" -f 0 -wi 1 -i 1 -w 500ms -r 500ms \
			-p inFlight=16 -p followers=100 \
			-rf json -rff "$work/quick-timed.json" "$@"
		java "${java_opts[@]}" -jar "$jar" "$shots" -f 0 -wi 0 -i 1 \
			-p connections=8 -p subscriptions=40 -p neighbours=8 \
			-rf json -rff "$work/quick-shots.json" "$@"
		end=$(date +%s)
		echo "== quick mode took $((end - start)) s"
		write_meta "$work/run-quick.json" "benchmarks/run.sh quick" $((end - start)) "$work/load-quick.txt"
		python3 benchmarks/report.py --mode quick --meta "$work/run-quick.json" \
			--out "$work/RESULTS-quick.md" "$work"/quick-*.json
		echo "== report: $work/RESULTS-quick.md"
		;;
	full)
		mkdir -p benchmarks/results
		if [ $# -gt 0 ]; then
			# a partial or profiled run: JMH's own output only
			java "${java_opts[@]}" -jar "$jar" -f 1 "${jvm_args[@]}" "$@"
			exit 0
		fi
		rm -f "$work/load-full.txt"
		sample_load "$work/load-full.txt" &
		sampler=$!
		trap 'kill $sampler 2>/dev/null || true' EXIT
		java "${java_opts[@]}" -jar "$jar" -f 1 "${jvm_args[@]}" \
			-rf json -rff benchmarks/results/jmh-full.json
		end=$(date +%s)
		echo "== full mode took $((end - start)) s"
		write_meta benchmarks/results/run-full.json "benchmarks/run.sh full" $((end - start)) "$work/load-full.txt"
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
