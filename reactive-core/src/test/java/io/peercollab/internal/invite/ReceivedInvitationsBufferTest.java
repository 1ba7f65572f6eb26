// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.invite;

import java.time.Duration;
import java.util.UUID;

import io.peercollab.CollaborationObserver;
import io.peercollab.InvitationPolicy;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteRequest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invitations received while nobody reads them wait in a bounded buffer: one past the bound is refused, and its
 * sender is told why, rather than left without an answer.
 */
class ReceivedInvitationsBufferTest {

	@Test
	void anInvitationPastTheBufferIsDeclinedWithTheReason() {
		PeerApplication app = PeerApplication.of(UUID.randomUUID(), "app", PeerScope.ALL);
		PeerName self = PeerIdentity.generate("self").name();
		PeerName caller = PeerIdentity.generate("caller").name();
		Invitations invitations = new Invitations(VirtualTimeScheduler.create(), InvitationPolicy.EVERYONE,
				Integer.MAX_VALUE, self, () -> "self", name -> true, id -> app, (contact, scope) -> true,
				() -> PeerScope.ALL, (kind, message) -> {
				}, CollaborationObserver.NOOP);
		Disposable.Composite waiting = Disposables.composite();
		try {
			for (int i = 0; i < Invitations.PENDING_BUFFER; i++) {
				waiting.add(invitations.receive(caller, null, request(app)).subscribe());
			}
			StepVerifier.create(invitations.receive(caller, null, request(app)))
					.assertNext(reply -> {
						assertThat(reply.status()).isEqualTo(InvitationStatus.DECLINED);
						assertThat(reply.message()).contains("too many invitations waiting");
					})
					.expectComplete()
					.verify(Duration.ofSeconds(5));
		}
		finally {
			waiting.dispose();
			invitations.close();
		}
	}

	private static InviteRequest request(PeerApplication app) {
		return new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "caller", app, "", new byte[0],
				Duration.ofMinutes(1));
	}
}
