// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.benchmarks.BareRSocket;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.WirePayloads;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.util.ByteBufPayload;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Invitation round trip: {@code peer.invite(...)} until its {@link InvitationResponse}, against a bare RSocket
 * request-response over the same kind of TLS connection, with a request and a response of the same sizes.
 *
 * <p>The receiver registers the application and answers every invitation the moment it is emitted by
 * {@code invitations()}, by declining it: the whole user-visible round trip (the request, the receiver's checks, the
 * {@code Invitation} handed to the user, the user's answer, the reply) without a session being opened afterwards, which
 * would add a request-channel to every invitation and measure session set-up rather than the invitation.
 *
 * <p>One operation is one batch of {@code inFlight} invitations sent at once ({@code flatMap} with that concurrency);
 * the score is the time of a batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InvitationBenchmark {

	static final PeerApplication WHITEBOARD = PeerApplication.of(
			UUID.fromString("6f1c2a9e-0b7d-4d3e-9a51-2c8e4f7b1d20"), "Shared whiteboard", PeerScope.ALL);

	/** Invitations sent at once. */
	@Param({ "1", "16" })
	public int inFlight;

	/** Alice invites Bob, who declines at once. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		PeerCollaboration bob;
		Peer bobSeenByAlice;
		Disposable answering;

		@Setup
		public void setUp() {
			alice = BenchPeers.internet("alice");
			bob = BenchPeers.internet("bob");
			BenchPeers.befriend(alice, bob);
			bob.registerApplication(WHITEBOARD).block(BenchPeers.TIMEOUT);
			answering = bob.invitations().subscribe(inv -> inv.decline().subscribe());
			bobSeenByAlice = BenchPeers.handle(alice, bob);
			InvitationResponse first = bobSeenByAlice.invite(WHITEBOARD, WirePayloads.INVITE_MESSAGE, null)
					.block(BenchPeers.TIMEOUT);
			if (first.status() != InvitationStatus.DECLINED) {
				throw new IllegalStateException("expected DECLINED, got " + first);
			}
		}

		@TearDown
		public void tearDown() {
			answering.dispose();
			BenchPeers.close(alice, bob);
		}
	}

	/** A bare RSocket server answering every request with a payload of the size of an invitation reply. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		RSocket client;
		ByteBuf requestData;
		ByteBuf requestMetadata;

		@Setup
		public void setUp() {
			ByteBuf reply = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(WirePayloads.inviteReply("DECLINED")));
			server = BareRSocket.serve(BenchPeers.identity("bob"), new RSocket() {
				@Override
				public Mono<Payload> requestResponse(Payload payload) {
					payload.release();
					return Mono.just(ByteBufPayload.create(reply.retainedDuplicate()));
				}
			});
			client = BareRSocket.connect(BenchPeers.identity("alice"), server.address());
			requestData = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
					WirePayloads.invite("alice", WHITEBOARD.description(), WHITEBOARD.scope().name())));
			requestMetadata = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
					WirePayloads.routing("peercollab.v1.invite")));
			roundTrip(this, 1);
		}

		@TearDown
		public void tearDown() {
			client.dispose();
			server.dispose();
			server.onClose().block(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	public Object invite(Library l) {
		if (inFlight == 1) {
			return l.bobSeenByAlice.invite(WHITEBOARD, WirePayloads.INVITE_MESSAGE, null).block(BenchPeers.TIMEOUT);
		}
		return Flux.range(0, inFlight)
				.flatMap(i -> l.bobSeenByAlice.invite(WHITEBOARD, WirePayloads.INVITE_MESSAGE, null), inFlight)
				.blockLast(BenchPeers.TIMEOUT);
	}

	@Benchmark
	public Object bareRequestResponse(Bare b) {
		return roundTrip(b, inFlight);
	}

	private static Object roundTrip(Bare b, int inFlight) {
		if (inFlight == 1) {
			return b.client.requestResponse(request(b)).map(BareRequests::consume).block(BenchPeers.TIMEOUT);
		}
		return Flux.range(0, inFlight)
				.flatMap(i -> b.client.requestResponse(request(b)).map(BareRequests::consume), inFlight)
				.blockLast(BenchPeers.TIMEOUT);
	}

	private static Payload request(Bare b) {
		return ByteBufPayload.create(b.requestData.retainedDuplicate(), b.requestMetadata.retainedDuplicate());
	}
}
