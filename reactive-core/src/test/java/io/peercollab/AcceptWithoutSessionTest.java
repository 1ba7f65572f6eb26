// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.UUID;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sender that gets an ACCEPTED answer but never opens the session: the invitee's {@code accept()} fails with a typed
 * error after 30 s (virtual time), not with a bare {@code TimeoutException}.
 */
class AcceptWithoutSessionTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	/** The handler of a raw endpoint that invites and then does nothing: every request waits forever. */
	private static PeerRequestHandler silent() {
		return (PeerRequestHandler) java.lang.reflect.Proxy.newProxyInstance(PeerRequestHandler.class.getClassLoader(),
				new Class<?>[] { PeerRequestHandler.class },
				(proxy, method, args) -> method.getReturnType() == Mono.class ? Mono.never() : Flux.never());
	}

	@Test
	void acceptFailsWithPeerUnreachableWhenTheSenderNeverOpensTheSession() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
		PeerCollaboration b = PeerCollaboration.builder().identity(PeerIdentity.generate("b"))
				.transport(net.transport()).timerScheduler(time).build();
		PeerIdentity rawIdentity = PeerIdentity.generate("raw");
		TransportBinding raw = net.transport().bind(rawIdentity, silent()).block(WAIT);
		try {
			b.signIn(PeerScope.INTERNET).block(WAIT);
			b.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
			// signed in to INTERNET only, b takes invitations from its contacts only
			b.contacts().add(io.peercollab.contact.PeerContact.of(rawIdentity.name(), "raw",
					rawIdentity.certificate())).block(WAIT);
			Mono<Invitation> received = b.invitations().next().cache();
			received.subscribe();
			Mono<InviteReply> reply = raw.connect(b.name(), b.endPoints().get(0).address())
					.flatMap(c -> c.invite(new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "raw",
							CollaborationContract.WHITEBOARD, "", new byte[0], Duration.ofMinutes(5))))
					.cache();
			reply.subscribe();

			Mono<CollaborationSession> accepted = received.block(WAIT).accept().cache();
			accepted.subscribe(s -> {
			}, e -> {
			});
			assertThat(reply.block(WAIT).status()).isEqualTo(InvitationStatus.ACCEPTED);

			time.advanceTimeBy(Duration.ofSeconds(29));
			StepVerifier.create(accepted).expectSubscription().expectNoEvent(Duration.ofMillis(50)).thenCancel()
					.verify(WAIT);
			time.advanceTimeBy(Duration.ofSeconds(1));
			StepVerifier.create(accepted)
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
							.hasMessageContaining("did not open the session within 30 s"))
					.verify(WAIT);
		}
		finally {
			raw.dispose();
			b.close().block(WAIT);
		}
	}
}
