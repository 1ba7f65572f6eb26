// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * One connection per (name, address), shared; closed ones are forgotten; idle ones close themselves; disposing a
 * binding closes everything.
 */
class ConnectionLifecycleTest {

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;
	private TransportBinding client;

	@AfterEach
	void stop() {
		TestPeers.dispose(client, server);
	}

	@Test
	void concurrentConnectsShareOneConnection() {
		// a second connection would be rejected: the limit makes sharing observable at the server too
		server = TestPeers.bind(TestPeers.loopback().maxConnectionsPerPeer(1), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());

		List<PeerConnection> connections = Flux.range(0, 16)
				.flatMap(i -> client.connect(bob.name(), server.address()).subscribeOn(Schedulers.parallel()))
				.collectList()
				.block(TestPeers.TIMEOUT);

		assertThat(connections).hasSize(16).containsOnly(connections.get(0));
		assertThat(connections.get(0).presence().block(TestPeers.TIMEOUT)).isEqualTo(RecordingHandler.PRESENCE);
	}

	@Test
	void aClosedConnectionIsForgottenAndTheNextConnectOpensANewOne() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PeerConnection first = TestPeers.connect(client, server, bob);

		first.dispose();
		// not waiting for the close: a connection that is closing must not be handed out again
		PeerConnection second = TestPeers.connect(client, server, bob);
		StepVerifier.create(first.onClose()).verifyComplete();

		assertThat(second).isNotSameAs(first);
		assertThat(second.isDisposed()).isFalse();
		StepVerifier.create(second.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
		StepVerifier.create(first.presence()).expectError(PeerUnreachableException.class).verify(TestPeers.TIMEOUT);
	}

	@Test
	void anIdleConnectionClosesAfterIdleTimeoutButNotWhileAStreamIsOpen() {
		Duration idle = Duration.ofMillis(300);
		handler.applications = Flux.never();
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback().idleTimeout(idle), alice, new RecordingHandler());
		PeerConnection connection = TestPeers.connect(client, server, bob);
		connection.presence().block(TestPeers.TIMEOUT);

		Disposable stream = connection.applications().subscribe();
		StepVerifier.create(connection.onClose())
				.expectSubscription()
				.expectNoEvent(idle.multipliedBy(3))
				.thenCancel()
				.verify();

		long start = System.nanoTime();
		stream.dispose();
		StepVerifier.create(connection.onClose()).verifyComplete();
		long closedAfter = (System.nanoTime() - start) / 1_000_000;
		System.out.println("idle close after " + closedAfter + " ms (idleTimeout " + idle.toMillis() + " ms)");
		assertThat(closedAfter).isGreaterThanOrEqualTo(idle.toMillis() - 20);

		PeerConnection next = TestPeers.connect(client, server, bob);
		assertThat(next).isNotSameAs(connection);
		StepVerifier.create(next.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
	}

	@Test
	void requestsInFlightKeepAConnectionOpen() {
		Duration idle = Duration.ofMillis(200);
		handler.presence = Mono.delay(Duration.ofMillis(700)).thenReturn(RecordingHandler.PRESENCE);
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback().idleTimeout(idle), alice, new RecordingHandler());
		PeerConnection connection = TestPeers.connect(client, server, bob);

		StepVerifier.create(connection.presence()).expectNext(RecordingHandler.PRESENCE).verifyComplete();
		StepVerifier.create(connection.onClose()).verifyComplete();
	}

	@Test
	void disposingTheBindingClosesServerAndConnectionsThenOnDisposeCompletes() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PeerConnection outbound = TestPeers.connect(client, server, bob);
		TransportBinding third = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("carol", KeyType.EC_P256),
				new RecordingHandler());
		PeerConnection inbound = TestPeers.connect(third, server, bob);

		server.dispose();
		server.dispose();

		StepVerifier.create(server.onDispose()).verifyComplete();
		assertThat(server.isDisposed()).isTrue();
		StepVerifier.create(outbound.onClose()).verifyComplete();
		StepVerifier.create(inbound.onClose()).verifyComplete();
		StepVerifier.create(client.connect(bob.name(), server.address()))
				.expectError(PeerUnreachableException.class)
				.verify(TestPeers.TIMEOUT);
		StepVerifier.create(server.connect(alice.name(), client.address()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining("disposed"))
				.verify(TestPeers.TIMEOUT);
		TestPeers.dispose(third);
	}

}
