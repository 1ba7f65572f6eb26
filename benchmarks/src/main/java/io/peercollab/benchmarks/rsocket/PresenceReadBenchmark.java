// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Mono;

/**
 * Remote presence read: {@code peer.presence()} of a contact over its open connection, against a bare RSocket
 * request-response with a request (empty data, routing metadata) and a response of the same sizes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PresenceReadBenchmark {

	static final PresenceInfo BUSY = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");

	/** Alice reads the presence of Bob, a contact who shows it to her. */
	@State(Scope.Benchmark)
	public static class Library {
		PeerCollaboration alice;
		PeerCollaboration bob;
		Peer bobSeenByAlice;

		@Setup
		public void setUp() {
			alice = BenchPeers.internet("alice");
			bob = BenchPeers.internet("bob");
			BenchPeers.befriend(alice, bob);
			bob.setPresence(BUSY).block(BenchPeers.TIMEOUT);
			bobSeenByAlice = BenchPeers.handle(alice, bob);
			PresenceInfo seen = bobSeenByAlice.presence().block(BenchPeers.TIMEOUT);
			if (!BUSY.equals(seen)) {
				throw new IllegalStateException("expected " + BUSY + ", read " + seen);
			}
		}

		@TearDown
		public void tearDown() {
			BenchPeers.close(alice, bob);
		}
	}

	/** A bare RSocket server answering every request with a payload of the size of that presence. */
	@State(Scope.Benchmark)
	public static class Bare {
		CloseableChannel server;
		RSocket client;
		ByteBuf requestMetadata;

		@Setup
		public void setUp() {
			ByteBuf reply = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
					WirePayloads.presence(BUSY.status().name(), BUSY.text())));
			server = BareRSocket.serve(BenchPeers.identity("bob"), new RSocket() {
				@Override
				public Mono<Payload> requestResponse(Payload payload) {
					payload.release();
					return Mono.just(ByteBufPayload.create(reply.retainedDuplicate()));
				}
			});
			client = BareRSocket.connect(BenchPeers.identity("alice"), server.address());
			requestMetadata = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(
					WirePayloads.routing("peercollab.v1.presence")));
			read(this);
		}

		@TearDown
		public void tearDown() {
			client.dispose();
			server.dispose();
			server.onClose().block(BenchPeers.TIMEOUT);
		}
	}

	@Benchmark
	public PresenceInfo presence(Library l) {
		return l.bobSeenByAlice.presence().block(BenchPeers.TIMEOUT);
	}

	@Benchmark
	public Object bareRequestResponse(Bare b) {
		return read(b);
	}

	private static Object read(Bare b) {
		return b.client.requestResponse(ByteBufPayload.create(Unpooled.EMPTY_BUFFER, b.requestMetadata.retainedDuplicate()))
				.map(BareRequests::consume)
				.block(BenchPeers.TIMEOUT);
	}
}
