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
		assertThat(maxAhead.get()).isLessThanOrEqualTo(2L * BATCH);
	}
}
