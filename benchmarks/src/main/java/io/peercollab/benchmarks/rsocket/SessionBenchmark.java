// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.benchmarks.Arrivals;
import io.peercollab.benchmarks.BareRSocket;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.WirePayloads;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Session messages of 1 KiB in one direction: the host sends {@value #BATCH} messages with
 * {@code session.send(Publisher)} and the operation ends when the member's {@code receive()} has them all, against a
 * bare RSocket request-channel carrying payloads of the same size (a session frame with 1 KiB of data) from client to
 * server. The score is messages per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SessionBenchmark {

	static final int BATCH = 1_000;
	static final int MESSAGE_SIZE = 1_024;

	static final PeerApplication WHITEBOARD = PeerApplication.of(
			UUID.fromString("6f1c2a9e-0b7d-4d3e-9a51-2c8e4f7b1d21"), "Shared whiteboard", PeerScope.ALL);

	static byte[] message() {
		byte[] m = new byte[MESSAGE_SIZE];
		new Random(42).nextBytes(m);
		return m;
	}

	/** Alice hosts a session Bob joined by accepting her invitation; Bob receives. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		PeerCollaboration bob;
		CollaborationSession hostSide;
		CollaborationSession memberSide;
		Disposable receiving;
		final Arrivals arrivals = new Arrivals();
		final byte[] message = message();

		@Setup
		public void setUp() {
			alice = BenchPeers.internet("alice");
			bob = BenchPeers.internet("bob");
			BenchPeers.befriend(alice, bob);
			bob.registerApplication(WHITEBOARD).block(BenchPeers.TIMEOUT);
			Mono<CollaborationSession> joined = bob.invitations().next().flatMap(Invitation::accept).cache();
			joined.subscribe();
			InvitationResponse answer = BenchPeers.handle(alice, bob).invite(WHITEBOARD, "join?", null)
					.block(BenchPeers.TIMEOUT);
			if (answer.status() != InvitationStatus.ACCEPTED) {
				throw new IllegalStateException("expected ACCEPTED, got " + answer);
			}
			hostSide = answer.session().orElseThrow();
			memberSide = joined.block(BenchPeers.TIMEOUT);
			receiving = memberSide.receive().subscribe(m -> arrivals.arrive());
			send(this);
		}

		@TearDown
		public void tearDown() {
			receiving.dispose();
			hostSide.dispose();
			BenchPeers.close(alice, bob);
		}
	}

	/** A bare request-channel from client to a server that counts and releases what arrives. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		RSocket client;
		final Sinks.Many<byte[]> outbound = Sinks.many().unicast().onBackpressureBuffer();
		final Arrivals arrivals = new Arrivals();
		Disposable channel;
		byte[] frame;

		@Setup
		public void setUp() {
			frame = WirePayloads.sessionFrame(message());
			server = BareRSocket.serve(BenchPeers.identity("bob"), new RSocket() {
				@Override
				public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
					// consumed (released) in map: what then() discards afterwards is no longer a payload, so
					// RSocket's discard hook does not release it a second time
					return Flux.from(payloads).map(p -> {
						int size = BareRequests.consume(p);
						arrivals.arrive();
						return size;
					}).thenMany(Flux.empty());
				}
			});
			client = BareRSocket.connect(BenchPeers.identity("alice"), server.address());
			Payload open = ByteBufPayload.create(Unpooled.wrappedBuffer(WirePayloads.sessionOpen()),
					Unpooled.wrappedBuffer(WirePayloads.routing("peercollab.v1.session")));
			long opened = arrivals.expect(1);
			channel = client.requestChannel(Flux.concat(Mono.just(open), outbound.asFlux().map(DefaultPayload::create)))
					.subscribe(BareRequests::consume);
			arrivals.await(opened, BenchPeers.TIMEOUT);
			send(this);
		}

		@TearDown
		public void tearDown() {
			channel.dispose();
			client.dispose();
			server.dispose();
			server.onClose().block(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	@OperationsPerInvocation(BATCH)
	public void sessionSend(Library l) {
		send(l);
	}

	@Benchmark
	@OperationsPerInvocation(BATCH)
	public void bareRequestChannel(Bare b) {
		send(b);
	}

	private static void send(Library l) {
		long target = l.arrivals.expect(BATCH);
		l.hostSide.send(Flux.range(0, BATCH).map(i -> l.message)).block(BenchPeers.TIMEOUT);
		l.arrivals.await(target, BenchPeers.TIMEOUT);
	}

	private static void send(Bare b) {
		long target = b.arrivals.expect(BATCH);
		for (int i = 0; i < BATCH; i++) {
			b.outbound.emitNext(b.frame, Sinks.EmitFailureHandler.FAIL_FAST);
		}
		b.arrivals.await(target, BenchPeers.TIMEOUT);
	}
}
