// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;

import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer that vanishes without closing its connection is noticed by keepalive within {@code maxLifeTime}.
 */
@Tag("slow")
class KeepAliveTest {

	private static final Duration INTERVAL = Duration.ofMillis(100);
	private static final Duration MAX_LIFE_TIME = Duration.ofSeconds(1);

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private TransportBinding server;
	private TransportBinding client;
	private FreezableProxy proxy;

	@AfterEach
	void stop() {
		if (proxy != null) {
			proxy.close();
		}
		TestPeers.dispose(client, server);
	}

	@Test
	void aPendingRequestFailsWithPeerUnreachableWithinTheKeepAliveBoundWhenThePeerVanishes() {
		RecordingHandler handler = new RecordingHandler();
		handler.presence = Mono.<PresenceInfo>never();
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback().keepAlive(INTERVAL, MAX_LIFE_TIME),
				TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
		proxy = new FreezableProxy(server.address());
		PeerConnection connection = client.connect(bob.name(), TcpAddress.of(proxy.address())).block(TestPeers.TIMEOUT);
		assertThat(connection.card().block(TestPeers.TIMEOUT)).isEqualTo(RecordingHandler.CARD);

		long[] frozenAt = new long[1];
		StepVerifier.create(connection.presence())
				.then(() -> {
					proxy.freeze();
					frozenAt[0] = System.nanoTime();
				})
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining(bob.name().toString()))
				.verify(MAX_LIFE_TIME.multipliedBy(5));
		long detectedAfter = (System.nanoTime() - frozenAt[0]) / 1_000_000;
		System.out.println("keepalive detected the frozen peer after " + detectedAfter + " ms (maxLifeTime "
				+ MAX_LIFE_TIME.toMillis() + " ms)");

		assertThat(detectedAfter).isBetween(MAX_LIFE_TIME.minus(INTERVAL.multipliedBy(2)).toMillis(),
				MAX_LIFE_TIME.plus(INTERVAL).toMillis() + 1500);
		StepVerifier.create(connection.onClose()).verifyComplete();
		StepVerifier.create(TestPeers.connect(client, server, bob).card())
				.expectNext(RecordingHandler.CARD)
				.verifyComplete();
	}
}
