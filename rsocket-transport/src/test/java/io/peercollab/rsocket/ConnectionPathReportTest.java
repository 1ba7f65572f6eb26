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
	void aConnectionForwardedFromAnotherAddressIsMapped() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		TransportBinding server = TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler());
		try (FreezableProxy forwarder = new FreezableProxy(server.address())) {
			PeerConnection c = client.connect(bob.name(), TcpAddress.of(forwarder.address())).block(WAIT);
			assertThat(c.path()).isEqualTo(ConnectionPath.MAPPED);
		}
		finally {
			TestPeers.dispose(client, server);
		}
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
