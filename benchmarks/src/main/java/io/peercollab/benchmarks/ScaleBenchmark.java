// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import io.peercollab.spi.PeerTransport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A neighbourhood in one JVM: many endpoints, all near each other, each following {@code follows} contacts. Nobody
 * publishes this figure for a peer-to-peer library; it says what a crowded room costs. Two communities:
 * <ul>
 *   <li>{@link #inMemory}: {@code inMemoryEndpoints} (200) endpoints on the in-memory transport, which passes
 *   objects between endpoints instead of bytes, so what is measured is the engine alone;</li>
 *   <li>{@link #overRSocket}: {@code rsocketEndpoints} (50) endpoints on the RSocket transport over TCP + TLS 1.3 on
 *   127.0.0.1, as a user runs them ({@link BenchPeers}).</li>
 * </ul>
 * Every endpoint is signed in to {@code ALL} with a discovery ({@link Neighbourhood}) that shows it every other
 * endpoint of its community, so each verifies every other as a peer near me (mDNS for 200 endpoints is not the point:
 * the discovery benchmarks measure mDNS). They sign in one after another, each once all before it see each other. Endpoint {@code i} and endpoints {@code i+1 .. i+follows} (modulo the
 * community's size) are allowed contacts of each other, and {@code i} follows each of those with
 * {@code peer(contact).events()}: every endpoint follows {@code follows} contacts and is followed by as many.
 *
 * <p>One operation is one presence change, by the endpoints in turn, until the last of its {@code follows}
 * followers has it; JMH's {@code SampleTime} mode gives its latency distribution (p50, p99). Beside it, as auxiliary
 * counters (secondary results in JMH's JSON):
 * <ul>
 *   <li>{@code heapBytesPerEndpoint}: retained heap per endpoint ({@link HeapMeter}, heap used after full
 *   collections), measured once per trial: before the community is built, and after it is built, every endpoint has
 *   verified all others near it, every follower is synced and every endpoint has changed its presence once. The
 *   difference, divided by the number of endpoints, counts everything an endpoint holds, its identity (key pair and
 *   certificate), its peers near me, contacts, followers and followings (both ends: all live in this JVM);</li>
 *   <li>{@code cpuMicrosPerChange}: CPU time of the whole JVM (all threads: event loops, schedulers, the garbage
 *   collector, the compiler; {@code getProcessCpuTime}) during one iteration, divided by the changes made in it. The
 *   community's background work (timers, keepalives) is counted too, as it is at this size;</li>
 *   <li>{@code idleCpuPercent}: that background alone, measured once per trial over two seconds in which nothing
 *   changes, in percent of one core.</li>
 * </ul>
 * With {@code -prof gc}, {@code gc.alloc.rate.norm} is the allocation per change, all threads counted. JMH adds up
 * auxiliary counters of type {@code EVENTS} over the iterations in its summary ("[Sum]"); each iteration's value (the
 * raw data in the JSON, which {@code report.py} averages) is the figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScaleBenchmark {

	static final PresenceInfo BUSY = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
	static final PresenceInfo AWAY = new PresenceInfo(PresenceStatus.AWAY, "in a meeting");

	/** How long building or closing a community may take before the benchmark fails rather than hangs. */
	static final Duration SETUP_TIMEOUT = Duration.ofMinutes(3);

	/** How long the idle CPU figure is measured. */
	static final Duration IDLE = Duration.ofSeconds(2);

	/** Contacts each endpoint follows (and followers each endpoint has). */
	@Param({ "10" })
	public int follows;

	/** The community on the in-memory transport. */
	@State(Scope.Benchmark)
	public static class InMemory extends Community {
		/** Endpoints of the in-memory community. */
		@Param({ "200" })
		public int inMemoryEndpoints;

		@Setup
		public void setUp(ScaleBenchmark b) {
			InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
			start(inMemoryEndpoints, b.follows, network::transport);
		}

		@TearDown
		public void tearDown() {
			stop();
		}
	}

	/** The community on RSocket over TCP + TLS 1.3 on 127.0.0.1. */
	@State(Scope.Benchmark)
	public static class OverRSocket extends Community {
		/** Endpoints of the RSocket community. */
		@Param({ "50" })
		public int rsocketEndpoints;

		@Setup
		public void setUp(ScaleBenchmark b) {
			start(rsocketEndpoints, b.follows, BenchPeers::transport);
		}

		@TearDown
		public void tearDown() {
			stop();
		}
	}

	/** The figures beside the latency, as JMH auxiliary counters (one value per iteration). */
	@State(Scope.Thread)
	@AuxCounters(AuxCounters.Type.EVENTS)
	public static class Figures {
		/** Retained heap per endpoint, in bytes (measured once per trial). */
		public double heapBytesPerEndpoint;
		/** CPU time of the JVM per presence change during this iteration, in microseconds. */
		public double cpuMicrosPerChange;
		/** CPU time of the JVM while the community is idle, in percent of one core (measured once per trial). */
		public double idleCpuPercent;

		private long cpuAtStart;
		private long changes;

		@Setup(Level.Iteration)
		public void startIteration() {
			changes = 0;
			cpuAtStart = processCpuNanos();
		}

		@TearDown(Level.Iteration)
		public void endIteration() {
			cpuMicrosPerChange = changes == 0 ? Double.NaN : (processCpuNanos() - cpuAtStart) / 1e3 / changes;
		}

		void changed(Community c) {
			changes++;
			heapBytesPerEndpoint = c.heapBytesPerEndpoint;
			idleCpuPercent = c.idleCpuPercent;
		}
	}

	@Benchmark
	public void inMemory(InMemory community, Figures figures) {
		community.change();
		figures.changed(community);
	}

	@Benchmark
	public void overRSocket(OverRSocket community, Figures figures) {
		community.change();
		figures.changed(community);
	}

	/** @return the CPU time of this JVM, all threads, in nanoseconds */
	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
				.getProcessCpuTime();
	}

	/**
	 * Endpoints near each other following each other. Built once per trial; between two operations nothing is in
	 * flight.
	 */
	abstract static class Community {

		final List<PeerCollaboration> endpoints = new ArrayList<>();
		final Disposable.Composite following = Disposables.composite();
		final Arrivals changes = new Arrivals();
		final Arrivals synced = new Arrivals();
		boolean[] busy;
		int follows;
		int next;
		double heapBytesPerEndpoint;
		double idleCpuPercent;

		/** Builds the community and measures its heap and idle CPU. */
		void start(int size, int follows, Supplier<PeerTransport> transport) {
			if (follows < 1 || follows >= size) {
				throw new IllegalArgumentException("follows must be between 1 and the endpoints minus one ("
						+ (size - 1) + "), was " + follows + " for " + size + " endpoints");
			}
			this.follows = follows;
			// a small community first, closed again: what the first endpoints of a JVM initialise once (schedulers,
			// event loops, TLS and codec classes' static state) is not an endpoint's cost
			Community warmUp = new Community() {
			};
			warmUp.build(Math.min(size, 4), Math.min(follows, 3), transport);
			warmUp.stop();

			long before = HeapMeter.retainedHeap();
			build(size, follows, transport);
			for (int i = 0; i < size; i++) {
				change();
			}
			long after = HeapMeter.retainedHeap();
			heapBytesPerEndpoint = (after - before) / (double) size;

			long cpu = processCpuNanos();
			long wall = System.nanoTime();
			HeapMeter.sleep(IDLE.toMillis());
			idleCpuPercent = 100.0 * (processCpuNanos() - cpu) / (System.nanoTime() - wall);
		}

		private void build(int size, int follows, Supplier<PeerTransport> transport) {
			this.follows = follows;
			Neighbourhood neighbourhood = new Neighbourhood();
			for (int i = 0; i < size; i++) {
				PeerIdentity id = PeerIdentity.generate("scale-" + i);
				endpoints.add(BenchPeers.builder(id).transport(transport.get()).discovery(neighbourhood).build());
			}
			busy = new boolean[size];
			// one after another, as people come into a room: all signing in at once would start size * (size - 1)
			// TLS handshakes together, more than 2 cores finish within the servers' timeToFirstStream (5 s)
			for (int i = 0; i < size; i++) {
				endpoints.get(i).signIn(PeerScope.ALL).block(BenchPeers.TIMEOUT);
				List<PeerCollaboration> in = endpoints.subList(0, i + 1);
				awaitTrue(() -> in.stream().allMatch(p -> verifiedNearMe(p) == in.size() - 1),
						"each of " + in.size() + " endpoints signed in sees the " + (in.size() - 1) + " others near it");
			}

			Set<Long> friends = new HashSet<>();
			for (int i = 0; i < size; i++) {
				for (int j = 1; j <= follows; j++) {
					int k = (i + j) % size;
					if (friends.add((long) Math.min(i, k) * size + Math.max(i, k))) {
						BenchPeers.befriend(endpoints.get(i), endpoints.get(k));
					}
				}
			}
			long target = synced.expect((long) size * follows);
			for (int i = 0; i < size; i++) {
				for (int j = 1; j <= follows; j++) {
					following.add(BenchPeers.handle(endpoints.get(i), endpoints.get((i + j) % size)).events()
							.subscribe(this::onEvent));
				}
			}
			synced.await(target, SETUP_TIMEOUT);
		}

		private static long verifiedNearMe(PeerCollaboration p) {
			List<PeerNearMe> near = p.getPeersNearMe().block(BenchPeers.TIMEOUT);
			return near.stream().filter(PeerNearMe::isVerified).count();
		}

		private void onEvent(PeerEvent e) {
			// live changes only: the state a follower gets first (ADDED) is not a change
			if (e instanceof PresenceChange c && c.type() == ChangeType.UPDATED) {
				changes.arrive();
			}
			else if (e instanceof PeerEvent.Synced) {
				synced.arrive();
			}
		}

		/** The next endpoint changes its presence; returns once its last follower has the change. */
		void change() {
			int k = next;
			next = (next + 1) % endpoints.size();
			long target = changes.expect(follows);
			busy[k] = !busy[k];
			endpoints.get(k).setPresence(busy[k] ? BUSY : AWAY).block(BenchPeers.TIMEOUT);
			changes.await(target, BenchPeers.TIMEOUT);
		}

		void stop() {
			following.dispose();
			Flux.fromIterable(endpoints).flatMap(PeerCollaboration::close).then().block(SETUP_TIMEOUT);
			endpoints.clear();
		}

		private static void awaitTrue(BooleanSupplier condition, String what) {
			long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
			while (!condition.getAsBoolean()) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("not reached in " + SETUP_TIMEOUT + ": " + what);
				}
				LockSupport.parkNanos(10_000_000L);
			}
		}
	}

	/**
	 * A discovery in which every endpoint of the neighbourhood sees every other one signed in, at
	 * {@code 127.0.0.1} and the port it announces (where both the in-memory and the RSocket transport of the
	 * benchmarks listen), and sees it go when it signs out.
	 */
	static final class Neighbourhood implements Discovery {

		private final Sinks.Many<DiscoveryEvent> events = Sinks.many().replay().all();

		@Override
		public Mono<DiscoverySession> start(Announcement self) {
			DiscoveredPeer me = new DiscoveredPeer(self.name(), self.nickname(), List.of(PeerEndPoint.of(
					new InetSocketAddress(InetAddress.getLoopbackAddress(), self.port()))));
			Sinks.Empty<Void> closed = Sinks.empty();
			return Mono.fromRunnable(() -> emit(ChangeType.ADDED, me)).thenReturn(new DiscoverySession() {
				@Override
				public Flux<DiscoveryEvent> peers() {
					return events.asFlux().filter(e -> !e.peer().name().equals(me.name()))
							.takeUntilOther(closed.asMono());
				}

				@Override
				public Flux<Diagnostic> diagnostics() {
					return closed.asMono().thenMany(Flux.empty());
				}

				@Override
				public Mono<Void> updateNickname(String nickname) {
					return Mono.empty();
				}

				@Override
				public Mono<Void> close() {
					return Mono.fromRunnable(() -> {
						if (closed.tryEmitEmpty().isSuccess()) {
							emit(ChangeType.REMOVED, me);
						}
					});
				}
			});
		}

		private void emit(ChangeType type, DiscoveredPeer peer) {
			// endpoints sign in and out concurrently: retry while another thread is emitting
			events.emitNext(new DiscoveryEvent(type, peer), Sinks.EmitFailureHandler.busyLooping(SETUP_TIMEOUT));
		}
	}
}
