// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.benchmarks.Arrivals;
import io.peercollab.benchmarks.BareRSocket;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.WirePayloads;
import io.netty.buffer.Unpooled;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Presence change fan-out over RSocket to many follower endpoints, one follower each: one operation is a
 * {@code setPresence} on the publisher until every one of {@code endpoints} follower endpoints, each holding exactly
 * one {@code peer.events()} subscription to the publisher, has received the change. The publisher therefore serves
 * one remote event stream per follower endpoint, over one connection each. The baseline is a bare RSocket
 * request-stream server pushing bytes of the same size (one encoded event) over the same number of connections, one
 * stream each. The score is changes per second, each delivered to all followers.
 *
 * <p>This is the like-for-like form of {@link FanOutBenchmark}: there, several followers share one follower endpoint,
 * and the library sends one stream per follower endpoint (its local subscribers share it) where the baseline sends one
 * per subscription. Here both send exactly one stream per connection.
 *
 * <p>The endpoints share Reactor Netty's default event loops (as every endpoint of one JVM does) and are set up a few
 * at a time in parallel, so that 1,000 of them start within seconds. All followers connect from 127.0.0.1, so the
 * publisher admits {@code endpoints + 64} connections in all and from one address (the defaults, 1,024 and 64, are
 * protections sized for endpoints spread over many addresses); the limits are still checked on every connection.
 * With 1,000 endpoints one JVM holds about 3,000 sockets (each follower endpoint's server and connection, the
 * publisher's side of each connection), so the open file limit must be above that.
 *
 * <p>Fifteen warm-up iterations rather than three: with 1,000 connections the TLS and Netty paths (of both methods)
 * and the receiving endpoints' event path are still being compiled long after the third two-second iteration; with
 * five, both scores still climbed through all five measurement iterations (the library's from 28 to 51 a second, the
 * bare stream's from 74 to 88), so the figure measured the warm-up as much as the steady state.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 15, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutEndpointsBenchmark {

	/** How many endpoints or connections are set up at once. */
	static final int SETUP_CONCURRENCY = 8;

	/** How long setting up (or closing) all endpoints may take before the benchmark fails rather than hangs. */
	static final Duration SETUP_TIMEOUT = Duration.ofMinutes(3);

	/** Follower endpoints (library) or connections (baseline), one event stream each. */
	@Param({ "100", "1000" })
	public int endpoints;

	/** @return {@code create(i)} for every i below {@code n}, in order, run {@value #SETUP_CONCURRENCY} at a time */
	static <T> List<T> inParallel(int n, IntFunction<T> create) {
		return Flux.range(0, n)
				.flatMapSequential(i -> Mono.fromCallable((Callable<T>) () -> create.apply(i))
						.subscribeOn(Schedulers.boundedElastic()), SETUP_CONCURRENCY)
				.collectList()
				.block(SETUP_TIMEOUT);
	}

	/** Alice publishes; each follower endpoint follows her with one {@code events()} subscription. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		List<PeerCollaboration> followerEndpoints = new ArrayList<>();
		final Arrivals changes = new Arrivals();
		final Arrivals synced = new Arrivals();
		final Disposable.Composite subscriptions = Disposables.composite();
		int followers;
		boolean busy;

		@Setup
		public void setUp(FanOutEndpointsBenchmark b) {
			followers = b.endpoints;
			// every follower endpoint connects from 127.0.0.1: admit them all (the defaults allow 64 per address)
			int admitted = followers + 64;
			alice = BenchPeers.builder(BenchPeers.identity("alice"))
					.transport(BenchPeers.transport().maxConnections(Math.max(1024, admitted))
							.maxConnectionsPerSource(admitted))
					.build();
			alice.signIn(PeerScope.INTERNET).block(BenchPeers.TIMEOUT);
			long target = synced.expect(followers);
			followerEndpoints = inParallel(followers, i -> {
				PeerCollaboration f = BenchPeers.internet("follower-" + i);
				BenchPeers.befriend(alice, f);
				Peer aliceSeen = BenchPeers.handle(f, alice);
				subscriptions.add(aliceSeen.events().subscribe(this::onEvent));
				return f;
			});
			synced.await(target, SETUP_TIMEOUT);
			change();
		}

		private void onEvent(PeerEvent e) {
			if (e instanceof PresenceChange) {
				changes.arrive();
			}
			else if (e instanceof PeerEvent.Synced) {
				synced.arrive();
			}
		}

		void change() {
			long target = changes.expect(followers);
			busy = !busy;
			alice.setPresence(busy ? FanOutBenchmark.BUSY : FanOutBenchmark.AWAY).block(BenchPeers.TIMEOUT);
			changes.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			subscriptions.dispose();
			List<PeerCollaboration> all = new ArrayList<>(followerEndpoints);
			all.add(alice);
			Flux.fromIterable(all).flatMap(PeerCollaboration::close, 64).then().block(SETUP_TIMEOUT);
		}
	}

	/** A bare request-stream server multicasting one event's bytes to one stream on each connection. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		List<RSocket> clients = new ArrayList<>();
		final Sinks.Many<byte[]> events = Sinks.many().multicast().directBestEffort();
		final Arrivals changes = new Arrivals();
		final Disposable.Composite subscriptions = Disposables.composite();
		byte[] event;
		int followers;

		@Setup
		public void setUp(FanOutEndpointsBenchmark b) {
			followers = b.endpoints;
			// the size of a presence event as the library sends it, with a version of a long run
			event = WirePayloads.presenceEvent("UPDATED", 1_000_000, "BUSY", FanOutBenchmark.BUSY.text());
			server = BareRSocket.serve(BenchPeers.identity("alice"), new RSocket() {
				@Override
				public Flux<Payload> requestStream(Payload payload) {
					payload.release();
					return events.asFlux().map(DefaultPayload::create);
				}
			});
			byte[] request = WirePayloads.eventsRequest(-1);
			byte[] metadata = WirePayloads.routing("peercollab.v1.events");
			clients = inParallel(followers, i -> {
				RSocket client = BareRSocket.connect(BenchPeers.identity("follower-" + i), server.address());
				subscriptions.add(client.requestStream(ByteBufPayload.create(Unpooled.wrappedBuffer(request),
						Unpooled.wrappedBuffer(metadata))).subscribe(p -> {
							BareRequests.consume(p);
							changes.arrive();
						}));
				return client;
			});
			long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
			while (events.currentSubscriberCount() < followers) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("only " + events.currentSubscriberCount() + " of " + followers
							+ " streams subscribed");
				}
				LockSupport.parkNanos(1_000_000L);
			}
			push();
		}

		void push() {
			long target = changes.expect(followers);
			events.emitNext(event, Sinks.EmitFailureHandler.FAIL_FAST);
			changes.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			subscriptions.dispose();
			clients.forEach(RSocket::dispose);
			server.dispose();
			server.onClose().block(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	public void presenceFanOut(Library l) {
		l.change();
	}

	@Benchmark
	public void bareRequestStream(Bare b) {
		b.push();
	}
}
