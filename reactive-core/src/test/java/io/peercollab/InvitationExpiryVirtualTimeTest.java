package io.peercollab;

import java.time.Duration;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.InMemoryPeerTransport;
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
			Mono<Invitation> received = b.invitations().next().cache();
			received.subscribe();

			StepVerifier.withVirtualTime(
					() -> a.peer(b.name(), b.endPoints().get(0)).invite(CollaborationContract.WHITEBOARD, "", null),
					() -> time, Long.MAX_VALUE)
					.expectSubscription()
					.thenAwait(Duration.ofMinutes(4).plusSeconds(59))
					.expectNoEvent(Duration.ZERO)
					.then(() -> assertThat(received.block().state()).isEqualTo(InvitationState.PENDING))
					.thenAwait(Duration.ofSeconds(1))
					.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.EXPIRED))
					.verifyComplete();
			assertThat(received.block().state()).isEqualTo(InvitationState.EXPIRED);
		}
		finally {
			a.close().block(Duration.ofSeconds(5));
			b.close().block(Duration.ofSeconds(5));
		}
	}
}
