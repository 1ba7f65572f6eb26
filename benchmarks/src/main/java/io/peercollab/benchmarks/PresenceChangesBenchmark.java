// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.PeerCollaboration;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Sinks;

/**
 * The local state stream: one operation is a {@code setPresence} until every local subscriber of
 * {@code presenceChanges()} has received the change, against a bare {@code Sinks.many().multicast()} emitting the same
 * event object to the same number of subscribers. The score is changes per second, each delivered to all.
 *
 * <p>The baseline is {@code directBestEffort()}: like the library's stream, it never lets a slow subscriber hold the
 * others back, and it is the cheapest of Reactor's multicast sinks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PresenceChangesBenchmark {

	static final PresenceInfo BUSY = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
	static final PresenceInfo AWAY = new PresenceInfo(PresenceStatus.AWAY, "in a meeting");

	/** Local subscribers of the presence stream. */
	@Param({ "1000" })
	public int subscribers;

	/** Alice, signed in, with {@code subscribers} subscriptions to her own presence changes. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		final Arrivals arrivals = new Arrivals();
		final Disposable.Composite subscriptions = Disposables.composite();
		int subscribers;
		boolean busy;

		@Setup
		public void setUp(PresenceChangesBenchmark b) {
			subscribers = b.subscribers;
			alice = BenchPeers.internet("alice");
			for (int i = 0; i < subscribers; i++) {
				subscriptions.add(alice.presenceChanges().subscribe(c -> arrivals.arrive()));
			}
			// each subscriber starts with the current presence
			arrivals.await(subscribers, BenchPeers.TIMEOUT);
			change();
		}

		void change() {
			long target = arrivals.expect(subscribers);
			busy = !busy;
			alice.setPresence(busy ? BUSY : AWAY).block(BenchPeers.TIMEOUT);
			arrivals.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			subscriptions.dispose();
			BenchPeers.close(alice);
		}
	}

	/** A multicast sink with {@code subscribers} subscribers. */
	@State(Scope.Benchmark)
	public static class Bare {
		final Sinks.Many<PresenceChange> sink = Sinks.many().multicast().directBestEffort();
		final Arrivals arrivals = new Arrivals();
		final Disposable.Composite subscriptions = Disposables.composite();
		int subscribers;
		long version;
		boolean busy;

		@Setup
		public void setUp(PresenceChangesBenchmark b) {
			subscribers = b.subscribers;
			for (int i = 0; i < subscribers; i++) {
				subscriptions.add(sink.asFlux().subscribe(c -> arrivals.arrive()));
			}
			emit();
		}

		void emit() {
			long target = arrivals.expect(subscribers);
			busy = !busy;
			sink.emitNext(new PresenceChange(ChangeType.UPDATED, busy ? BUSY : AWAY, ++version),
					Sinks.EmitFailureHandler.FAIL_FAST);
			arrivals.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			subscriptions.dispose();
		}
	}

	@Benchmark
	public void presenceChanges(Library l) {
		l.change();
	}

	@Benchmark
	public void bareMulticastSink(Bare b) {
		b.emit();
	}
}
