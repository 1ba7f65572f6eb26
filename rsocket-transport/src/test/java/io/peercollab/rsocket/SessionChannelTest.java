// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The session channel keeps order and honours backpressure end to end: the sender produces only as fast as the
 * receiver at the other end of the echo asks.
 */
class SessionChannelTest {

	private static final int FRAMES = 10_000;
	private static final int BATCH = 500;
	/** {@code ResumableSession.MAX_REPLAY_FRAMES}, as PROTOCOL.md 5.8.1 states it. */
	private static final int REPLAY_WINDOW = 1024;
	/** Frames waiting for the receiver's user beyond which it holds its acknowledgement back (PROTOCOL.md 5.8.1). */
	private static final int HELD_ACK_AT = 1024;

	private TransportBinding server;
	private TransportBinding client;

	@AfterEach
	void stop() {
		TestPeers.dispose(client, server);
	}

	@Test
	void tenThousandFramesEchoInOrderWithBackpressure() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
		server = TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
		client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.EC_P256),
				new RecordingHandler());
		PeerConnection connection = TestPeers.connect(client, server, bob);

		AtomicLong produced = new AtomicLong();
		AtomicLong consumed = new AtomicLong();
		AtomicLong maxAhead = new AtomicLong();
		AtomicLong unboundedRequests = new AtomicLong();
		Flux<SessionFrame> outbound = Flux.range(0, FRAMES)
				.doOnRequest(n -> {
					if (n == Long.MAX_VALUE) {
						unboundedRequests.incrementAndGet();
					}
				})
				.map(i -> new SessionFrame(null, ByteBuffer.allocate(4).putInt(i).array()))
				.doOnNext(f -> maxAhead.accumulateAndGet(produced.incrementAndGet() - consumed.get(), Math::max));
		Flux<Integer> echoed = connection.session(new SessionOpen(UUID.randomUUID(), UUID.randomUUID(),
				UUID.randomUUID()), outbound).map(f -> ByteBuffer.wrap(f.data()).getInt())
				.doOnNext(i -> consumed.incrementAndGet());

		long start = System.nanoTime();
		// limitRate: the receiver asks for at most BATCH frames at a time
		StepVerifier.create(echoed.limitRate(BATCH))
				.expectNextSequence(IntStream.range(0, FRAMES).boxed().toList())
				.verifyComplete();
		System.out.printf("%d session frames echoed in %.0f ms; sender at most %d frames ahead of the receiver%n",
				FRAMES, (System.nanoTime() - start) / 1e6, maxAhead.get());

		assertThat(unboundedRequests.get()).isZero();
		// bounded by the sessions' flow control, not by the 10,000 frames sent: per direction at most 1,024 frames not
		// yet acknowledged (the replay window) and, once acknowledged, fewer than 1,024 waiting for the receiver's user
		// (it holds its acknowledgement back beyond that: PROTOCOL.md 5.8.1); an echo crosses two directions, and the
		// reader asks BATCH at a time
		assertThat(maxAhead.get()).isLessThanOrEqualTo(2L * (REPLAY_WINDOW + HELD_ACK_AT) + BATCH);
	}
}
