// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;

import io.peercollab.ConnectionPath;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RSocket transport reports each connection's path: {@code DIRECT} when the server accepted it at the address
 * dialled, {@code MAPPED} when something forwarded it there from another address (a NAT's port mapping; here a
 * loopback forwarder), and a relayed address is dialled after the direct ones.
 */
class ConnectionPathReportTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void aConnectionAcceptedAtTheAddressDialledIsDirect() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		TransportBinding server = TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler());
		try {
			PeerConnection c = client.connect(bob.name(), server.address()).block(WAIT);
			assertThat(c.path()).isEqualTo(ConnectionPath.DIRECT);
			StepVerifier.create(c.pathChanges())
					.expectNext(ConnectionPath.DIRECT)
					.then(c::dispose)
					.expectComplete()
					.verify(WAIT);
		}
		finally {
			TestPeers.dispose(client, server);
		}
	}

	@Test
	void aConnectionForwardedFromAnotherAddressIsMappedAndTheObserversAreToldBothSides() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		java.util.List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
		TransportBinding server = TestPeers.loopback().bind(bob, new RecordingHandler(), observer("server", told))
				.block(WAIT);
		TransportBinding client = TestPeers.loopback().bind(TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler(), observer("client", told)).block(WAIT);
		try (FreezableProxy forwarder = new FreezableProxy(server.address())) {
			PeerConnection c = client.connect(bob.name(), TcpAddress.of(forwarder.address())).block(WAIT);
			assertThat(c.path()).isEqualTo(ConnectionPath.MAPPED);
			reactor.core.publisher.Flux.interval(Duration.ofMillis(10)).filter(t -> told.size() >= 3).next().block(WAIT);
			assertThat(told).containsExactlyInAnyOrder("client OUTBOUND MAPPED",
					"server INBOUND DIRECT", "server INBOUND MAPPED"); // told by the client which address it dialled
		}
		finally {
			TestPeers.dispose(client, server);
		}
	}

	private static io.peercollab.CollaborationObserver observer(String who, java.util.List<String> told) {
		return new io.peercollab.CollaborationObserver() {
			@Override
			public void connectionPath(io.peercollab.identity.PeerName remote, io.peercollab.PeerAddress address,
					Direction direction, ConnectionPath path) {
				told.add(who + " " + direction + " " + path);
			}
		};
	}

	@Test
	void aRelayedAddressWaitsBehindTheDirectOnes() {
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler());
		try {
			TcpAddress somewhere = TcpAddress.of(new java.net.InetSocketAddress("127.0.0.1", 40_000));
			assertThat(client.dialDelay(somewhere)).isZero();
			assertThat(client.dialDelay(new RelayedAddress(somewhere))).isPositive();
		}
		finally {
			TestPeers.dispose(client);
		}
	}
}
