// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.CollaborationContract;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.RelayedAddress;
import io.peercollab.contact.PeerContact;
import io.peercollab.dht.DhtTestNetwork;
import io.peercollab.dht.MainlineDht;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerTransport;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A contact reachable only through its TURN relay is found by identity in the DHT (its record carries the relayed
 * address beside its direct one) and invited through the relay: mldht nodes on TEST-NET-2 addresses and a coturn
 * inside a loopback-only network namespace.
 */
@Tag("slow")
class RelayedInternetScopeTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	@Test
	void aContactBehindARelayIsFoundInTheDhtAndInvitedThroughTheRelay() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice");
		PeerIdentity bob = PeerIdentity.generate("bob");
		try (CoturnServer coturn = CoturnServer.start(false)) {
			MainlineDht bobsNode = dht();
			MainlineDht alicesNode = dht();
			AtomicReference<TransportBinding> bobBinding = new AtomicReference<>();
			PeerTransport relayed = RSocketPeerTransport.tcp().host(DHT.network().newAddress().getHostAddress())
					.turnServer(TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD));
			// Bob's direct endpoint is one nobody reaches (as behind a symmetric NAT): only his relay works
			PeerCollaboration b = PeerCollaboration.builder().identity(bob)
					.transport((identity, handler) -> relayed.bind(identity, handler).doOnNext(bobBinding::set))
					.namePublisher(bobsNode).nameResolver(bobsNode)
					.advertisedEndPoints(List.of(PeerEndPoint.of(new InetSocketAddress(
							InetAddress.getByName("10.255.255.1"), 9))))
					.build();
			PeerCollaboration a = PeerCollaboration.builder().identity(alice)
					.transport(RSocketPeerTransport.tcp().host(DHT.network().newAddress().getHostAddress()))
					.namePublisher(alicesNode).nameResolver(alicesNode)
					.build();
			try {
				b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
				b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
				b.invitations().subscribe(i -> i.accept().subscribe());
				b.signIn(PeerScope.INTERNET).block(WAIT);
				RelayedAddress relayedAddress = ((RSocketBinding) bobBinding.get()).relayedAddress().orElseThrow();
				a.signIn(PeerScope.INTERNET).block(WAIT);

				long start = System.nanoTime();
				InvitationResponse response = a.peer(PeerContact.of(bob.name(), "Bob", bob.certificate()))
						.invite(CollaborationContract.WHITEBOARD, "found in the DHT", null)
						.block(WAIT);
				System.out.printf("Resolved in the DHT and invited through the relay %s in %.0f ms%n", relayedAddress,
						(System.nanoTime() - start) / 1e6);
				assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
				assertThat(a.peer(PeerContact.of(bob.name(), "Bob", bob.certificate())).path())
						.as("the direct address failed; the relay carried it").isEqualTo(io.peercollab.ConnectionPath.RELAYED);
				response.session().ifPresent(io.peercollab.CollaborationSession::dispose);
			}
			finally {
				a.close().block(WAIT);
				b.close().block(WAIT);
				alicesNode.close().block(WAIT);
				bobsNode.close().block(WAIT);
			}
		}
	}

	private static MainlineDht dht() {
		return MainlineDht.builder().bindAddress(DHT.network().newAddress()).bootstrapNodes(DHT.network().bootstrap())
				.build();
	}
}
