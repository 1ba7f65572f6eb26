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
import io.peercollab.RelayedAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.rsocket.internal.BindingInternals;
import io.peercollab.rsocket.internal.BindingInternals.PunchOutcome;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A session relayed through a real coturn (loopback addresses, in-process, as {@link HolePunchUpgradeTest}) carries
 * messages both ways while the hole punch succeeds: it moves to the punched connection mid-stream, every message
 * arrives exactly once and in order both ways, the connection reads {@code HOLE_PUNCHED}, and the relayed connection
 * closes once nothing is left on it.
 */
@Tag("slow")
class SessionUpgradeTest {

	private static final Duration WAIT = Duration.ofSeconds(60);
	private static final int MESSAGES = 10_000;

	@Test
	void aRelayedSessionMovesToThePunchedConnectionMidStreamWithNothingLostOrRepeated() {
		try (CoturnServer coturn = CoturnServer.start(false)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
			List<Integer> bobReceived = new CopyOnWriteArrayList<>();
			RecordingHandler handler = new RecordingHandler();
			handler.session = (caller, in) -> in.doOnNext(f -> bobReceived.add(ByteBuffer.wrap(f.data()).getInt()))
					.map(f -> new SessionFrame(null, f.data()));
			RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn), bob,
					handler);
			RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn),
					TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
			try {
				RelayedAddress relayed = server.relayedAddress().orElseThrow();
				Mono<PunchOutcome> punched = BindingInternals.punchOutcomes(client).next().cache();
				punched.subscribe();
				PeerConnection onRelay = client.connect(bob.name(), relayed).block(WAIT);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.RELAYED);

				// a third before the punch succeeds, the rest after: the session is open on the relay when it moves
				Flux<SessionFrame> outbound = Flux.concat(Flux.range(0, MESSAGES / 3),
						punched.thenMany(Flux.range(MESSAGES / 3, MESSAGES - MESSAGES / 3)))
						.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()));
				long start = System.nanoTime();
				StepVerifier.create(onRelay.session(open(), outbound).map(f -> ByteBuffer.wrap(f.data()).getInt())
								.limitRate(500))
						.expectNextSequence(IntStream.range(0, MESSAGES).boxed().toList())
						.expectComplete()
						.verify(WAIT);
				assertThat(bobReceived).containsExactlyElementsOf(IntStream.range(0, MESSAGES).boxed().toList());
				PunchOutcome outcome = punched.block(WAIT);
				assertThat(outcome.succeeded()).as("%s", outcome).isTrue();
				List<RSocketBinding.SessionMove> moves = client.sessionMoves(onRelay);
				assertThat(moves).as("the session moved to the punched connection").hasSize(1);
				RSocketBinding.SessionMove move = moves.get(0);
				System.out.printf("Relayed session moved to the punched connection: punch %s, move took %.2f ms, %d "
						+ "frames unacknowledged (in flight) at the move, %d sent again; %d messages each way in %.0f ms%n",
						outcome.took(), move.took().toNanos() / 1e6, move.unacknowledged(), move.sentAgain(), MESSAGES,
						(System.nanoTime() - start) / 1e6);
				assertThat(onRelay.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
				// nothing is left on the relayed connection: it closes, Bob keeps the punched one only
				StepVerifier.create(Flux.interval(Duration.ofMillis(20))
								.filter(x -> server.inboundConnectionCount() == 1).next())
						.expectNextCount(1)
						.expectComplete()
						.verify(WAIT);
				assertThat(onRelay.isDisposed()).isFalse();
				StepVerifier.create(onRelay.presence()).expectNextCount(1).expectComplete().verify(WAIT);
			}
			finally {
				TestPeers.dispose(client, server);
			}
		}
	}

	private static SessionOpen open() {
		return new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
	}
}
