// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEvent;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerScope;
import io.peercollab.benchmarks.discovery.BareMdns;
import io.peercollab.benchmarks.discovery.NearMeAnnouncers;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.PeerTls;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;
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
import reactor.core.publisher.Sinks;

/**
 * Retained heap, in bytes, per idle connection, per follower subscription and per known peer near me. Each shot
 * creates a few items first (a fifth of {@code N}, at least 2; they also pay whatever is initialised lazily),
 * measures the heap after full collections, creates {@code N} more, measures again, and reports the difference
 * divided by {@code N} as the auxiliary counter {@code retainedBytesPerItem} (JMH's time score of these shots means
 * nothing). {@code N} is a parameter ({@code connections}, {@code subscriptions}, {@code neighbours}); quick mode
 * makes it small.
 * <ul>
 *   <li>idle connection: a connection opened by {@code TransportBinding.connect} with nothing in flight, against a
 *   bare RSocket TLS connection; both ends live in this JVM, so the figure is client plus server;</li>
 *   <li>follower subscription: one more {@code peer.events()} subscription over an open connection, against one more
 *   bare request-stream subscription to a multicast sink; both ends counted;</li>
 *   <li>peer near me: the observer's cost of knowing one more verified peer near me (its table entry, mDNS records,
 *   what the TLS handshake that proved its name left behind; no connection is kept to it), against a bare jmDNS
 *   browser that keeps the resolved {@code ServiceInfo}. The peers run in a child JVM
 *   ({@link NearMeAnnouncers}), so that only the observer is counted.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 3)
@Fork(1)
public class MemoryFootprintBenchmark {

	/** @return how many items to create before the first measurement */
	static int warmUp(int n) {
		return Math.max(2, n / 5);
	}

	/** The figure of one shot. */
	@State(Scope.Thread)
	@AuxCounters(AuxCounters.Type.EVENTS)
	public static class Footprint {
		/** Retained heap per item, in bytes. */
		public double retainedBytesPerItem;
	}

	/** @return the retained heap per item added by {@code addMore}, after {@code warmUp} */
	static double perItem(Runnable warmUp, Runnable addMore, int more) {
		warmUp.run();
		long before = HeapMeter.retainedHeap();
		addMore.run();
		long after = HeapMeter.retainedHeap();
		return (after - before) / (double) more;
	}

	// ----- idle connections ----------------------------------------------------------------------------------------

	/** Transport bindings to connect to, one per connection (a binding shares one connection per remote peer). */
	@State(Scope.Benchmark)
	public static class Servers {
		/** Connections measured. */
		@Param({ "40" })
		public int connections;

		final List<TransportBinding> servers = new ArrayList<>();
		final List<PeerIdentity> identities = new ArrayList<>();

		@Setup
		public void setUp() {
			for (int i = 0; i < warmUp(connections) + connections; i++) {
				PeerIdentity id = BenchPeers.identity("server-" + i);
				identities.add(id);
				servers.add(BenchPeers.transport().bind(id, new NothingHandler()).block(BenchPeers.TIMEOUT));
			}
		}

		@TearDown
		public void tearDown() {
			servers.forEach(TransportBinding::dispose);
			Flux.fromIterable(servers).flatMap(TransportBinding::onDispose).then().block(BenchPeers.TIMEOUT);
		}
	}

	/** The binding that opens the connections, new for each shot. */
	@State(Scope.Benchmark)
	public static class Client {
		TransportBinding client;
		final List<PeerConnection> connections = new ArrayList<>();

		@Setup(Level.Iteration)
		public void setUp() {
			client = BenchPeers.transport().bind(BenchPeers.identity("client"), new NothingHandler())
					.block(BenchPeers.TIMEOUT);
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			connections.clear();
			client.dispose();
			client.onDispose().block(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	public void idleConnection(Servers s, Client c, Footprint f) {
		int w = warmUp(s.connections);
		f.retainedBytesPerItem = perItem(() -> connect(s, c, 0, w), () -> connect(s, c, w, w + s.connections),
				s.connections);
	}

	private static void connect(Servers s, Client c, int from, int to) {
		for (int i = from; i < to; i++) {
			c.connections.add(c.client.connect(s.identities.get(i).name(), s.servers.get(i).address())
					.block(BenchPeers.TIMEOUT));
		}
	}

	/** Bare RSocket TLS servers, one per connection. */
	@State(Scope.Benchmark)
	public static class BareServers {
		/** Connections measured. */
		@Param({ "40" })
		public int connections;

		final List<CloseableChannel> servers = new ArrayList<>();

		@Setup
		public void setUp() {
			for (int i = 0; i < warmUp(connections) + connections; i++) {
				servers.add(BareRSocket.serve(BenchPeers.identity("server-" + i), new RSocket() {
				}));
			}
		}

		@TearDown
		public void tearDown() {
			servers.forEach(CloseableChannel::dispose);
		}
	}

	/** Bare RSocket clients, one client TLS context for all (as a binding has). */
	@State(Scope.Benchmark)
	public static class BareClient {
		SslContext tls;
		final List<RSocket> connections = new ArrayList<>();

		@Setup(Level.Iteration)
		public void setUp() {
			tls = PeerTls.client(BenchPeers.identity("client"));
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			connections.forEach(RSocket::dispose);
			Flux.fromIterable(connections).flatMap(RSocket::onClose).then().block(BenchPeers.TIMEOUT);
			connections.clear();
		}
	}

	@Benchmark
	public void bareIdleConnection(BareServers s, BareClient c, Footprint f) {
		int w = warmUp(s.connections);
		f.retainedBytesPerItem = perItem(() -> connect(s, c, 0, w), () -> connect(s, c, w, w + s.connections),
				s.connections);
	}

	private static void connect(BareServers s, BareClient c, int from, int to) {
		for (int i = from; i < to; i++) {
			c.connections.add(BareRSocket.connect(c.tls, s.servers.get(i).address()));
		}
	}

	// ----- follower subscriptions ----------------------------------------------------------------------------------

	/** Bob follows Alice, a contact, over one open connection. */
	@State(Scope.Benchmark)
	public static class Following {
		/** Subscriptions measured; with the first ones, within maxInboundStreamsPerConnection (256). */
		@Param({ "200" })
		public int subscriptions;

		PeerCollaboration alice;
		PeerCollaboration bob;
		Peer aliceSeenByBob;
		final Arrivals synced = new Arrivals();
		Disposable.Composite following = Disposables.composite();

		@Setup
		public void setUp() {
			alice = BenchPeers.internet("alice");
			bob = BenchPeers.internet("bob");
			BenchPeers.befriend(alice, bob);
			aliceSeenByBob = BenchPeers.handle(bob, alice);
			aliceSeenByBob.presence().block(BenchPeers.TIMEOUT);
		}

		void follow(int n) {
			long target = synced.expect(n);
			for (int i = 0; i < n; i++) {
				following.add(aliceSeenByBob.events().subscribe(e -> {
					if (e instanceof PeerEvent.Synced) {
						synced.arrive();
					}
				}));
			}
			synced.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown(Level.Iteration)
		public void unfollow() {
			following.dispose();
			following = Disposables.composite();
			// cancellations reach the publisher asynchronously
			HeapMeter.sleep(500);
		}

		@TearDown
		public void tearDown() {
			BenchPeers.close(alice, bob);
		}
	}

	@Benchmark
	public void followerSubscription(Following s, Footprint f) {
		f.retainedBytesPerItem = perItem(() -> s.follow(warmUp(s.subscriptions)), () -> s.follow(s.subscriptions),
				s.subscriptions);
	}

	/** A bare request-stream server multicasting to every stream, and one connection to it. */
	@State(Scope.Benchmark)
	public static class BareFollowing {
		/** Subscriptions measured. */
		@Param({ "200" })
		public int subscriptions;

		CloseableChannel server;
		RSocket client;
		final Sinks.Many<byte[]> events = Sinks.many().multicast().directBestEffort();
		Disposable.Composite following = Disposables.composite();
		byte[] request;
		byte[] metadata;

		@Setup
		public void setUp() {
			server = BareRSocket.serve(BenchPeers.identity("alice"), new RSocket() {
				@Override
				public Flux<Payload> requestStream(Payload payload) {
					payload.release();
					return events.asFlux().map(DefaultPayload::create);
				}
			});
			client = BareRSocket.connect(BenchPeers.identity("bob"), server.address());
			request = WirePayloads.eventsRequest(-1);
			metadata = WirePayloads.routing("peercollab.v1.events");
		}

		void follow(int n) {
			int target = events.currentSubscriberCount() + n;
			for (int i = 0; i < n; i++) {
				following.add(client.requestStream(ByteBufPayload.create(Unpooled.wrappedBuffer(request),
						Unpooled.wrappedBuffer(metadata))).subscribe(Payload::release));
			}
			waitFor(() -> events.currentSubscriberCount(), target);
		}

		@TearDown(Level.Iteration)
		public void unfollow() {
			following.dispose();
			following = Disposables.composite();
			waitFor(() -> -events.currentSubscriberCount(), 0);
		}

		@TearDown
		public void tearDown() {
			client.dispose();
			server.dispose();
		}
	}

	@Benchmark
	public void bareFollowerSubscription(BareFollowing s, Footprint f) {
		f.retainedBytesPerItem = perItem(() -> s.follow(warmUp(s.subscriptions)), () -> s.follow(s.subscriptions),
				s.subscriptions);
	}

	// ----- peers near me -------------------------------------------------------------------------------------------

	/** Peers near me announced from a child JVM. */
	@State(Scope.Benchmark)
	public static class Neighbours {
		/** Peers near me measured. */
		@Param({ "32" })
		public int neighbours;

		Process process;
		Writer commands;
		BufferedReader answers;

		@Setup(Level.Iteration)
		public void setUp() throws IOException {
			String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
			process = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
					"-Djava.net.preferIPv4Stack=true", "-cp", System.getProperty("java.class.path"),
					NearMeAnnouncers.class.getName())
					.redirectError(ProcessBuilder.Redirect.INHERIT)
					.start();
			commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
			answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		}

		/** Announces {@code n} more peers and waits until they are announced. */
		void add(int n) {
			try {
				commands.write("add " + n + "\n");
				commands.flush();
				CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
					try {
						return answers.readLine();
					}
					catch (IOException e) {
						throw new UncheckedIOException(e);
					}
				});
				String line = answer.get(BenchPeers.TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
				if (line == null || !line.startsWith("added ")) {
					throw new IllegalStateException("the announcers answered " + line);
				}
			}
			catch (Exception e) {
				throw new IllegalStateException("announcing " + n + " peers failed", e);
			}
		}

		@TearDown(Level.Iteration)
		public void tearDown() throws Exception {
			try {
				commands.write("quit\n");
				commands.flush();
			}
			catch (IOException e) {
				// gone already
			}
			if (!process.waitFor(20, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor();
			}
		}
	}

	/** An endpoint signed in to NEAR_ME, new for each shot. */
	@State(Scope.Benchmark)
	public static class NearObserver {
		PeerCollaboration observer;

		@Setup(Level.Iteration)
		public void setUp() {
			observer = BenchPeers.nearMe(BenchPeers.freshIdentity("observer"));
			observer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
		}

		long verified() {
			List<PeerNearMe> near = observer.getPeersNearMe().block(BenchPeers.TIMEOUT);
			return near.stream().filter(PeerNearMe::isVerified).count();
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			BenchPeers.close(observer);
		}
	}

	@Benchmark
	public void peerNearMe(Neighbours n, NearObserver o, Footprint f) {
		int w = warmUp(n.neighbours);
		f.retainedBytesPerItem = perItem(() -> {
			n.add(w);
			waitFor(o::verified, w);
		}, () -> {
			n.add(n.neighbours);
			waitFor(o::verified, w + n.neighbours);
		}, n.neighbours);
	}

	/** A bare jmDNS browser, new for each shot. */
	@State(Scope.Benchmark)
	public static class BareNearObserver {
		BareMdns observer;

		@Setup(Level.Iteration)
		public void setUp() {
			observer = BareMdns.browsing("bench-observer");
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			observer.close();
		}
	}

	@Benchmark
	public void barePeerNearMe(Neighbours n, BareNearObserver o, Footprint f) {
		int w = warmUp(n.neighbours);
		f.retainedBytesPerItem = perItem(() -> {
			n.add(w);
			waitFor(o.observer::resolvedCount, w);
		}, () -> {
			n.add(n.neighbours);
			waitFor(o.observer::resolvedCount, w + n.neighbours);
		}, n.neighbours);
	}

	/**
	 * {@link #peerNearMe} in a JVM that clears soft references at every collection
	 * ({@code -XX:SoftRefLRUPolicyMSPerMB=0}): what stays reachable strongly. The difference to {@link #peerNearMe}
	 * is held only softly (the JDK's certificate cache, which every TLS handshake fills, at most 750 certificates per
	 * JVM), and the JVM frees it before it runs out of heap. (The flag is prepended: {@code run.sh} appends JVM
	 * arguments of its own, which would replace an appended one.)
	 */
	@Benchmark
	@Fork(value = 1, jvmArgsPrepend = "-XX:SoftRefLRUPolicyMSPerMB=0")
	public void peerNearMeSoftCleared(Neighbours n, NearObserver o, Footprint f) {
		peerNearMe(n, o, f);
	}

	/** {@link #barePeerNearMe} in a JVM that clears soft references at every collection, as its pair. */
	@Benchmark
	@Fork(value = 1, jvmArgsPrepend = "-XX:SoftRefLRUPolicyMSPerMB=0")
	public void barePeerNearMeSoftCleared(Neighbours n, BareNearObserver o, Footprint f) {
		barePeerNearMe(n, o, f);
	}

	/** Waits until {@code value} reaches {@code target}, then a little longer for what follows it to settle. */
	static void waitFor(LongSupplier value, long target) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (value.getAsLong() < target) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("reached " + value.getAsLong() + " of " + target + " in 60 s");
			}
			LockSupport.parkNanos(20_000_000L);
		}
		HeapMeter.sleep(300);
	}
}
