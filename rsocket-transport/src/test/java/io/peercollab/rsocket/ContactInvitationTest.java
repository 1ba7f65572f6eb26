// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.CollaborationContract;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A contact reached at two addresses of one process (its card's, and a NAT's forwarded port from a resolver) gets one
 * invitation, not two: the transport tells the remote instance apart from its address.
 */
class ContactInvitationTest {

	private static final Duration WAIT = Duration.ofSeconds(15);

	@Test
	void oneProcessAtTwoAddressesIsInvitedOnce() {
		PeerIdentity alice = PeerIdentity.generate("alice");
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerCollaboration b = PeerCollaboration.builder().identity(bob)
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1")).build();
		PeerCollaboration a = null;
		// signed in to INTERNET only, Bob takes invitations from his contacts only: Alice is one
		b.signIn(PeerScope.INTERNET).then(b.registerApplication(CollaborationContract.WHITEBOARD))
				.then(b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate()))).block(WAIT);
		try (FreezableProxy nat = new FreezableProxy(b.endPoints().get(0).address())) {
			PeerEndPoint forwarded = PeerEndPoint.of(nat.address());
			a = PeerCollaboration.builder().identity(alice)
					.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))
					.nameResolver(c -> Flux.just(new EndpointRecord(forwarded, EndpointSource.DHT, Duration.ZERO)))
					.build();
			a.signIn(PeerScope.INTERNET).block(WAIT);
			PeerContact card = PeerContact.of(bob.name(), "Bob", bob.certificate()).withEndPoints(b.endPoints());

			List<Invitation> received = new CopyOnWriteArrayList<>();
			b.invitations().subscribe(received::add);
			Mono<InvitationResponse> answer = a.peer(card).invite(CollaborationContract.WHITEBOARD, "once", null)
					.cache();
			answer.subscribe(r -> {
			}, e -> {
			});
			StepVerifier.create(Flux.interval(Duration.ofMillis(20)).filter(t -> !received.isEmpty()).next())
					.expectNextCount(1)
					.expectComplete()
					.verify(WAIT);
			// both addresses were tried at once: a second invitation would arrive within this
			StepVerifier.create(Flux.interval(Duration.ofMillis(20)).filter(t -> received.size() > 1).next())
					.expectSubscription()
					.expectNoEvent(Duration.ofMillis(1_500))
					.thenCancel()
					.verify(WAIT);
			assertThat(received).as("invitations Bob received").hasSize(1);

			received.get(0).accept().subscribe(CollaborationSession::dispose, e -> {
			});
			StepVerifier.create(answer)
					.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED))
					.verifyComplete();
		}
		finally {
			if (a != null) {
				a.close().block(WAIT);
			}
			b.close().block(WAIT);
		}
	}
}
