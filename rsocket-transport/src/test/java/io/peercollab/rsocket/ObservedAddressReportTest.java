// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.Diagnostic;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** The address a server's {@code hello} says it saw the client at becomes the client's "where I stand" without STUN. */
class ObservedAddressReportTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void theClientLearnsWhereTheServerSawItAndReportsIt() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		TransportBinding server = TestPeers.bind(TestPeers.loopback(), bob, new RecordingHandler());
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), TestPeers.identity("alice", KeyType.ED25519),
				new RecordingHandler());
		List<Diagnostic> told = new CopyOnWriteArrayList<>();
		Disposable listening = client.diagnostics().subscribe(told::add);
		try {
			RSocketBinding alice = (RSocketBinding) client;
			assertThat(alice.observedAddress()).isEmpty();
			assertThat(alice.publicIpAddress()).as("no STUN server, no contact yet").isEmpty();

			PeerConnection c = client.connect(bob.name(), server.address()).block(WAIT);

			assertThat(c).isNotNull();
			InetSocketAddress seen = alice.observedAddress().orElseThrow();
			assertThat(seen.getAddress().isLoopbackAddress()).isTrue();
			assertThat(seen.getPort()).as("the port of Alice's connection, as Bob saw it").isPositive()
					.isNotEqualTo(((io.peercollab.TcpAddress) client.address()).port());
			assertThat(alice.publicIpAddress()).contains(seen.getAddress());
			assertThat(told).anyMatch(d -> d.kind().name().equals("nat.OBSERVED_ADDRESS")
					&& d.message().contains(bob.name() + " sees this endpoint at " + seen.getAddress().getHostAddress()));
		}
		finally {
			listening.dispose();
			TestPeers.dispose(client, server);
		}
	}
}
