// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Expiry on the default five minutes, in virtual time.
 */
class InvitationExpiryVirtualTimeTest {

	@Test
	void invitationExpiresAfterTheDefaultFiveMinutesAndNotBefore() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
		PeerCollaboration a = PeerCollaboration.builder().identity(PeerIdentity.generate("a"))
				.transport(net.transport()).timerScheduler(time).build();
		PeerCollaboration b = PeerCollaboration.builder().identity(PeerIdentity.generate("b"))
				.transport(net.transport()).timerScheduler(time).build();
		try {
			a.signIn(PeerScope.INTERNET).block(Duration.ofSeconds(5));
			b.signIn(PeerScope.INTERNET).block(Duration.ofSeconds(5));
			b.registerApplication(CollaborationContract.WHITEBOARD).block(Duration.ofSeconds(5));
			// signed in to INTERNET only, b shows its applications, and takes invitations, to its contacts only
			b.contacts().add(io.peercollab.contact.PeerContact.of(a.name(), "a", a.identity().certificate()))
					.block(Duration.ofSeconds(5));
			Mono<Invitation> received = b.invitations().next().cache();
			received.subscribe();

			Mono<InvitationResponse> answer = a.peer(b.name(), b.endPoints().get(0))
					.invite(CollaborationContract.WHITEBOARD, "", null)
					.cache();
			answer.subscribe();

			time.advanceTimeBy(Duration.ofMinutes(4).plusSeconds(59));
			assertThat(received.block(Duration.ofSeconds(5)).state()).isEqualTo(InvitationState.PENDING);
			StepVerifier.create(answer).expectSubscription().expectNoEvent(Duration.ofMillis(50)).thenCancel().verify();

			time.advanceTimeBy(Duration.ofSeconds(1));
			StepVerifier.create(answer)
					.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.EXPIRED))
					.expectComplete()
					.verify(Duration.ofSeconds(5));
			assertThat(received.block().state()).isEqualTo(InvitationState.EXPIRED);
		}
		finally {
			a.close().block(Duration.ofSeconds(5));
			b.close().block(Duration.ofSeconds(5));
		}
	}
}
