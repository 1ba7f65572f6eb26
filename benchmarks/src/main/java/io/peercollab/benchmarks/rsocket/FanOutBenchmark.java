// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEvent;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
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
import reactor.core.publisher.Sinks;

/**
 * Presence change fan-out over RSocket: one operation is a {@code setPresence} on the publisher until every follower
 * ({@code peer.events()} subscription) has received the change, against a bare RSocket request-stream server pushing
 * bytes of the same size (one encoded event) to the same number of subscribers over the same number of connections.
 * The score is changes per second, each delivered to all followers.
 *
 * <p>Followers are spread over several follower endpoints, at most {@value #PER_ENDPOINT} subscriptions each, so that
 * every endpoint stays within the transport's default {@code maxInboundStreamsPerConnection} (256); the baseline uses
 * the same connections and the same spread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FanOutBenchmark {

	/** The most follower subscriptions one follower endpoint holds. */
	static final int PER_ENDPOINT = 200;

	static final PresenceInfo BUSY = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
	static final PresenceInfo AWAY = new PresenceInfo(PresenceStatus.AWAY, "in a meeting");

	/** Followers of the publisher's presence. */
	@Param({ "1", "100", "1000" })
	public int followers;

	/** @return how many subscriptions each follower endpoint (or bare connection) holds */
	static int[] spread(int followers) {
		int endpoints = (followers + PER_ENDPOINT - 1) / PER_ENDPOINT;
		int[] counts = new int[endpoints];
		for (int i = 0; i < followers; i++) {
			counts[i % endpoints]++;
		}
		return counts;
	}

	/** Alice publishes; follower endpoints follow her with {@code events()}. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		final List<PeerCollaboration> followerEndpoints = new ArrayList<>();
		final Arrivals changes = new Arrivals();
		final Arrivals synced = new Arrivals();
		Disposable.Composite subscriptions = Disposables.composite();
		int followers;
		boolean busy;

		@Setup
		public void setUp(FanOutBenchmark b) {
			followers = b.followers;
			alice = BenchPeers.internet("alice");
			int[] counts = spread(followers);
			long target = synced.expect(followers);
			for (int i = 0; i < counts.length; i++) {
				PeerCollaboration f = BenchPeers.internet("follower-" + i);
				followerEndpoints.add(f);
				BenchPeers.befriend(alice, f);
				Peer aliceSeen = BenchPeers.handle(f, alice);
				for (int k = 0; k < counts[i]; k++) {
					subscriptions.add(aliceSeen.events().subscribe(this::onEvent));
				}
			}
			synced.await(target, BenchPeers.TIMEOUT);
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
			alice.setPresence(busy ? BUSY : AWAY).block(BenchPeers.TIMEOUT);
			changes.await(target, BenchPeers.TIMEOUT);
		}

		@TearDown
		public void tearDown() {
			subscriptions.dispose();
			List<PeerCollaboration> all = new ArrayList<>(followerEndpoints);
			all.add(alice);
			BenchPeers.close(all);
		}
	}

	/** A bare request-stream server multicasting one event's bytes to every stream. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		final List<RSocket> clients = new ArrayList<>();
		final Sinks.Many<byte[]> events = Sinks.many().multicast().directBestEffort();
		final Arrivals changes = new Arrivals();
		Disposable.Composite subscriptions = Disposables.composite();
		byte[] event;
		int followers;

		@Setup
		public void setUp(FanOutBenchmark b) {
			followers = b.followers;
			// the size of a presence event as the library sends it, with a version of a long run
			event = WirePayloads.presenceEvent("UPDATED", 1_000_000, "BUSY", BUSY.text());
			server = BareRSocket.serve(BenchPeers.identity("alice"), new RSocket() {
				@Override
				public Flux<Payload> requestStream(Payload payload) {
					payload.release();
					return events.asFlux().map(DefaultPayload::create);
				}
			});
			byte[] request = WirePayloads.eventsRequest(-1);
			byte[] metadata = WirePayloads.routing("peercollab.v1.events");
			int[] counts = spread(followers);
			for (int i = 0; i < counts.length; i++) {
				RSocket client = BareRSocket.connect(BenchPeers.identity("follower-" + i), server.address());
				clients.add(client);
				for (int k = 0; k < counts[i]; k++) {
					subscriptions.add(client.requestStream(ByteBufPayload.create(Unpooled.wrappedBuffer(request),
							Unpooled.wrappedBuffer(metadata))).subscribe(p -> {
								BareRequests.consume(p);
								changes.arrive();
							}));
				}
			}
			long deadline = System.nanoTime() + BenchPeers.TIMEOUT.toNanos();
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
