// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import io.peercollab.ConnectionPath;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.junit.jupiter.api.RepeatedTest;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A session moved from one connection to another in the middle of 10,000 messages each way (what a hole punch does
 * to a relayed session), on loopback: every message arrives exactly once and in order, both ways, and the connection
 * it left closes once nothing is left on it.
 */
class SessionMoveTest {

	private static final Duration WAIT = Duration.ofSeconds(60);
	private static final int MESSAGES = 10_000;

	@RepeatedTest(3)
	void aSessionMovedMidStreamLosesAndRepeatsNothingBothWays() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		// Bob echoes every frame he receives, and counts them
		List<Integer> bobReceived = new CopyOnWriteArrayList<>();
		RecordingHandler handler = new RecordingHandler();
		handler.session = (caller, in) -> in.doOnNext(f -> bobReceived.add(ByteBuffer.wrap(f.data()).getInt()))
				.map(f -> new SessionFrame(null, f.data()));
		RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback(), bob, handler);
		RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback(),
				TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
		try {
			TcpAddress at = (TcpAddress) server.address();
			PeerConnection first = client.connectSeparately(bob.name(), at).block(WAIT);
			PeerConnection second = client.connectSeparately(bob.name(), at).block(WAIT);
			assertThat(server.inboundConnectionCount()).isEqualTo(2);

			// the move happens when Alice has received a third of the echoes, while frames are in flight both ways
			Flux<SessionFrame> outbound = Flux.range(0, MESSAGES)
					.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()));
			StepVerifier.create(first.session(open(), outbound)
							.map(f -> ByteBuffer.wrap(f.data()).getInt())
							.doOnNext(i -> {
								if (i == MESSAGES / 3) {
									client.moveStreams(first, second);
								}
							})
							.limitRate(500))
					.expectNextSequence(IntStream.range(0, MESSAGES).boxed().toList())
					.expectComplete()
					.verify(WAIT);
			assertThat(bobReceived).containsExactlyElementsOf(IntStream.range(0, MESSAGES).boxed().toList());
			List<RSocketBinding.SessionMove> moves = client.sessionMoves(first);
			assertThat(moves).hasSize(1);
			RSocketBinding.SessionMove move = moves.get(0);
			System.out.printf("Session moved mid-stream: took %.2f ms, %d frames unacknowledged (in flight), %d sent "
					+ "again%n", move.took().toNanos() / 1e6, move.unacknowledged(), move.sentAgain());
			assertThat(first.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
			// nothing is left on the first connection: its socket closes, Bob sees one connection
			StepVerifier.create(Flux.interval(Duration.ofMillis(20))
							.filter(x -> server.inboundConnectionCount() == 1).next())
					.expectNextCount(1)
					.expectComplete()
					.verify(WAIT);
			// the connection the session left still takes new requests, over the second one
			assertThat(first.isDisposed()).isFalse();
			StepVerifier.create(first.presence()).expectNextCount(1).expectComplete().verify(WAIT);
			assertThat(server.resumableSessions()).isLessThanOrEqualTo(1);
		}
		finally {
			TestPeers.dispose(client, server);
		}
	}

	private static SessionOpen open() {
		return new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
	}
}
