// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A transport may listen and dial at addresses of a kind of its own, as a relay transport will: the engine carries
 * them from the resolver to {@code connect} without looking inside, and what leaves the process as data (cards, the
 * store, the mDNS announcement) refuses them by name.
 */
class ForeignAddressKindTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** An address of a kind the core does not know: a slot on a relay. */
	record RelayAddress(String relay, int slot) implements PeerAddress {
		@Override
		public String scheme() {
			return "relay";
		}

		@Override
		public String toString() {
			return relay + "#" + slot;
		}
	}

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	/** The relay: which in-memory address each slot leads to. */
	private final Map<RelayAddress, PeerAddress> slots = new ConcurrentHashMap<>();
	private final AtomicInteger nextSlot = new AtomicInteger();
	private final AtomicInteger relayedConnects = new AtomicInteger();
	private final List<PeerCollaboration> open = new ArrayList<>();

	/** A transport that listens at a relay slot and dials relay slots through the relay. */
	private PeerTransport relayed() {
		PeerTransport inner = net.transport();
		return (identity, handler) -> inner.bind(identity, handler).map(b -> {
			RelayAddress slot = new RelayAddress("relay.example", nextSlot.incrementAndGet());
			slots.put(slot, b.address());
			return new ForwardingBinding(b) {
				@Override
				public PeerAddress address() {
					return slot;
				}

				@Override
				public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
					if (address instanceof RelayAddress r) {
						PeerAddress behind = slots.get(r);
						if (behind == null) {
							return Mono.error(new PeerUnreachableException("the relay has no slot " + r));
						}
						relayedConnects.incrementAndGet();
						return super.connect(expected, behind);
					}
					return super.connect(expected, address);
				}
			};
		});
	}

	private PeerCollaboration open(PeerCollaboration.Builder builder, PeerScope scope) {
		PeerCollaboration c = builder.build();
		open.add(c);
		c.signIn(scope).block(WAIT);
		return c;
	}

	@AfterEach
	void closeAll() {
		open.forEach(c -> c.close().block(WAIT));
	}

	@Test
	void presenceAndInvitationsReachAnEndpointAtAForeignKindOfAddress() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerIdentity aliceId = PeerIdentity.generate("alice");
		PeerCollaboration bob = open(PeerCollaboration.builder().identity(bobId).transport(relayed()),
				PeerScope.INTERNET);
		bob.contacts().add(PeerContact.of(aliceId.name(), "Alice", aliceId.certificate())).block(WAIT);
		bob.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		bob.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		bob.invitations().subscribe(inv -> inv.accept().subscribe());
		assertThat(bob.endPoints()).singleElement()
				.satisfies(ep -> assertThat(ep.address()).isInstanceOf(RelayAddress.class));
		assertThat(bob.advertisedEndPoints()).isEqualTo(bob.endPoints());

		EndpointRecord found = new EndpointRecord(bob.endPoints().get(0), EndpointSource.DHT, Duration.ofHours(1));
		PeerCollaboration alice = open(PeerCollaboration.builder().identity(aliceId)
				.transport(relayed()).nameResolver(contact -> Flux.just(found)), PeerScope.INTERNET);
		Peer seen = alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate()));

		assertThat(seen.presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		InvitationResponse answer = seen.invite(CollaborationContract.WHITEBOARD, "join?", null).block(WAIT);
		assertThat(answer.status()).isEqualTo(InvitationStatus.ACCEPTED);
		answer.session().ifPresent(CollaborationSession::dispose);
		assertThat(relayedConnects).hasPositiveValue();
	}

	@Test
	void aTransportThatCannotDialTheKindSaysWhichKind() {
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerCollaboration bob = open(PeerCollaboration.builder().identity(bobId).transport(relayed()),
				PeerScope.INTERNET);
		EndpointRecord found = new EndpointRecord(bob.endPoints().get(0), EndpointSource.DHT, Duration.ofHours(1));
		PeerCollaboration alice = open(PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(net.transport()).nameResolver(contact -> Flux.just(found)), PeerScope.INTERNET);

		StepVerifier.create(alice.peer(PeerContact.of(bobId.name(), "Bob", bobId.certificate())).presence())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining("relay.example#"))
				.verify(WAIT);
	}

	@Test
	void signingInNearMeNeedsATcpAddressToAnnounce() {
		PeerCollaboration bob = PeerCollaboration.builder().identity(PeerIdentity.generate("bob"))
				.transport(relayed()).discovery(new NoPeersDiscovery()).build();
		open.add(bob);

		StepVerifier.create(bob.signIn(PeerScope.NEAR_ME))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("relay address"))
				.verify(WAIT);
	}

	@Test
	void cardsAndFileStoresRefuseTheKindByName(@TempDir java.nio.file.Path dir) {
		PeerIdentity carol = PeerIdentity.generate("carol");
		PeerContact contact = PeerContact.of(carol.name(), "Carol", carol.certificate())
				.withEndPoints(List.of(new PeerEndPoint("relayed", new RelayAddress("relay.example", 7))));
		PeerCollaboration alice = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(net.transport()).build();
		open.add(alice);

		assertThatThrownBy(() -> alice.contacts().exportCard(contact))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'relayed'").hasMessageContaining("relay address");
		var store = ContactStores.h2(dir);
		try {
			StepVerifier.create(store.insert(contact))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
							.hasMessageContaining("'relayed'").hasMessageContaining("relay address"))
					.verify(WAIT);
			StepVerifier.create(store.find(carol.name())).verifyComplete();
		}
		finally {
			store.close().block(WAIT);
		}
	}
}
