// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.handler.ssl.SslContext;
import io.peercollab.LimitExceededException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's protection limits: open streams per connection, connections per remote peer.
 */
class LimitsTest {

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.ED25519);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;
	private TransportBinding client;
	private TransportBinding sameIdentityAgain;

	@AfterEach
	void stop() {
		TestPeers.dispose(sameIdentityAgain, client, server);
	}

	@Test
	void theStreamBeyondMaxInboundStreamsPerConnectionFailsAndTheOthersGoOn() {
		handler.applications = Flux.never();
		server = TestPeers.bind(TestPeers.loopback().maxInboundStreamsPerConnection(2), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PeerConnection connection = TestPeers.connect(client, server, bob);
		Disposable first = connection.applications().subscribe();
		Disposable second = connection.applications().subscribe();

		StepVerifier.create(connection.presence())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
						.hasMessageContaining("maxInboundStreamsPerConnection (2)"))
				.verify(TestPeers.TIMEOUT);
		assertThat(handler.calls).extracting(RecordingHandler.Call::method)
				.containsExactly("applications", "applications");

		first.dispose();
		StepVerifier.create(connection.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
		second.dispose();
	}

	@Test
	void theConnectionBeyondMaxConnectionsPerPeerIsRejectedAndConnectFailsWithLimitExceeded() {
		server = TestPeers.bind(TestPeers.loopback().maxConnectionsPerPeer(1), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		// a second binding of the same identity holds its own connections: the same PeerName twice at the server
		sameIdentityAgain = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PeerConnection first = TestPeers.connect(client, server, bob);

		StepVerifier.create(sameIdentityAgain.connect(bob.name(), server.address()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
						.hasMessageContaining("maxConnectionsPerPeer (1)")
						.hasMessageContaining(alice.name().toString()))
				.verify(TestPeers.TIMEOUT);
		StepVerifier.create(first.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();

		first.dispose();
		// the server notices the close asynchronously; until then the slot is still taken
		StepVerifier.create(sameIdentityAgain.connect(bob.name(), server.address())
				.retryWhen(Retry.fixedDelay(50, Duration.ofMillis(20))
						.filter(LimitExceededException.class::isInstance))
				.flatMap(PeerConnection::presence))
				.expectNext(RecordingHandler.PRESENCE)
				.verifyComplete();
	}

	@Test
	void aConnectionThatNeverSendsSetupIsClosedAfterTimeToFirstStream() throws Exception {
		Duration connectTimeout = Duration.ofMillis(500);
		server = TestPeers.bind(TestPeers.loopback().timeToFirstStream(connectTimeout), bob, handler);
		SslContext tls = RawClient.tls(alice.privateKey(), alice.certificate(), new AtomicReference<>());
		Connection silent = TcpClient.newConnection().remoteAddress(() -> ((TcpAddress) server.address()).socketAddress())
				.secure(spec -> spec.sslContext(tls)).connectNow(TestPeers.TIMEOUT);

		long start = System.nanoTime();
		StepVerifier.create(silent.onDispose()).verifyComplete();
		long closedAfter = (System.nanoTime() - start) / 1_000_000;
		System.out.println("a connection without SETUP was closed after " + closedAfter + " ms");
		assertThat(closedAfter).isLessThan(connectTimeout.toMillis() + 2000);
	}
}
