// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark in quick mode, in this JVM, the way {@code benchmarks/run.sh quick} does (keep the two in step),
 * with JMH's GC profiler as {@code run.sh} runs it, and checks that each one produced a result, an allocation per
 * operation for the report to print beside its ratio, and (for the scale benchmark) its auxiliary figures: this is how
 * CI knows the benchmarks still run. It takes about three minutes on a 2-core machine, most of it in the
 * seconds-scale discovery and memory shots.
 *
 * <p>No forks ({@code forks(0)}): a forked JMH JVM would need the surefire class path rebuilt, and one JVM for
 * everything is faster. Every benchmark binds to 127.0.0.1 and runs mDNS on loopback only.
 */
@Tag("slow")
class QuickBenchmarkSmokeTest {

	/** The seconds-scale benchmarks: one shot each, no warm-up shot. */
	static final String SHOTS = "io\\.peercollab\\.benchmarks\\..*(DiscoveryBenchmark|MemoryFootprintBenchmark)\\..*";
	static final String ALL = "io\\.peercollab\\.benchmarks\\..*";

	@Test
	void everyBenchmarkProducesAResultInQuickMode() throws RunnerException {
		List<RunResult> results = new ArrayList<>();
		results.addAll(run(new OptionsBuilder()
				.include(ALL)
				.exclude(SHOTS)
				.warmupIterations(1)
				.warmupTime(TimeValue.milliseconds(500))
				.measurementIterations(1)
				.measurementTime(TimeValue.milliseconds(500))
				.param("inFlight", "16")
				.param("followers", "100")
				.param("endpoints", "100")
				.param("inMemoryEndpoints", "24")
				.param("rsocketEndpoints", "12")
				// a bulk transfer of 2 MiB, not 256
				.param("transferMiB", "2")
				.result("target/jmh-quick-timed.json")));
		results.addAll(run(new OptionsBuilder()
				.include(SHOTS)
				.warmupIterations(0)
				.measurementIterations(1)
				.param("connections", "8")
				.param("subscriptions", "40")
				.param("neighbours", "8")
				.result("target/jmh-quick-shots.json")));

		Set<String> expected = new TreeSet<>();
		for (BenchmarkListEntry e : BenchmarkList.defaultList()
				.getAll(OutputFormatFactory.createFormatInstance(quiet(), VerboseMode.SILENT), List.of())) {
			expected.add(e.getUsername());
		}
		assertThat(expected).as("benchmarks listed by JMH").isNotEmpty();

		Set<String> measured = new TreeSet<>();
		for (RunResult r : results) {
			String name = r.getParams().getBenchmark();
			Result<?> primary = r.getPrimaryResult();
			assertThat(primary.getScore()).as("score of %s", name).isFinite().isPositive();
			if (name.contains("MemoryFootprintBenchmark")) {
				assertThat(secondary(r, "retainedBytesPerItem")).as("retainedBytesPerItem of %s", name).isFinite();
			}
			else {
				// what report.py prints beside every ratio
				assertThat(secondary(r, "gc.alloc.rate.norm")).as("allocation per operation of %s", name)
						.isFinite().isNotNegative();
			}
			if (name.contains("ScaleBenchmark")) {
				assertThat(secondary(r, "heapBytesPerEndpoint")).as("heap per endpoint of %s", name)
						.isFinite().isPositive();
				assertThat(secondary(r, "cpuMicrosPerChange")).as("CPU per change of %s", name)
						.isFinite().isPositive();
				assertThat(secondary(r, "idleCpuPercent")).as("idle CPU of %s", name).isFinite();
			}
			measured.add(name);
		}
		assertThat(measured).as("benchmarks with a result").containsExactlyInAnyOrderElementsOf(expected);
	}

	private static double secondary(RunResult r, String name) {
		Result<?> result = r.getSecondaryResults().get(name);
		assertThat(result).as("%s of %s", name, r.getParams().getBenchmark()).isNotNull();
		return result.getScore();
	}

	private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
		return new Runner(options
				.forks(0)
				.addProfiler(GCProfiler.class)
				.shouldFailOnError(true)
				.resultFormat(ResultFormatType.JSON)
				.build()).run();
	}

	private static PrintStream quiet() {
		try {
			return new PrintStream(PrintStream.nullOutputStream(), true, "UTF-8");
		}
		catch (UnsupportedEncodingException e) {
			throw new IllegalStateException(e);
		}
	}
}
