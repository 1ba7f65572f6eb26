// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.flow.CountingScheduler;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pending invitations share one timer per endpoint: their expiries do not each schedule a task.
 */
class PendingInvitationTimerTest {

	static final int INVITATIONS = 1000;

	@Test
	void aThousandPendingInvitationsScheduleOneTaskPerEndpointNotOnePerInvitation() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		CountingScheduler timer = new CountingScheduler(time);
		InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
		PeerCollaboration a = PeerCollaboration.builder().identity(PeerIdentity.generate("a"))
				.transport(net.transport()).timerScheduler(timer).build();
		PeerCollaboration b = PeerCollaboration.builder().identity(PeerIdentity.generate("b"))
				.transport(net.transport()).timerScheduler(timer).invitationsPerPeerPerMinute(INVITATIONS).build();
		List<Invitation> received = new CopyOnWriteArrayList<>();
		List<InvitationResponse> answers = new CopyOnWriteArrayList<>();
		Disposable receiving = b.invitations().subscribe(received::add);
		try {
			a.signIn(PeerScope.INTERNET).block(Duration.ofSeconds(5));
			b.signIn(PeerScope.INTERNET).block(Duration.ofSeconds(5));
			b.registerApplication(CollaborationContract.WHITEBOARD).block(Duration.ofSeconds(5));
			b.contacts().add(PeerContact.of(a.name(), "a", a.identity().certificate())).block(Duration.ofSeconds(5));
			Peer bSeenByA = a.peer(b.name(), b.endPoints().get(0));
			int before = timer.scheduled();

			Flux.range(0, INVITATIONS)
					.flatMap(i -> bSeenByA.invite(CollaborationContract.WHITEBOARD, "#" + i, null), INVITATIONS)
					.subscribe(answers::add);

			assertThat(received).hasSize(INVITATIONS);
			assertThat(received).allMatch(inv -> inv.state() == InvitationState.PENDING);
			// one task on each side: b's for the expiries, a's for the expiries plus their grace
			assertThat(timer.scheduled() - before).isBetween(1, 2);

			time.advanceTimeBy(Duration.ofMinutes(5));
			assertThat(received).allMatch(inv -> inv.state() == InvitationState.EXPIRED);
			assertThat(answers).hasSize(INVITATIONS).allMatch(r -> r.status() == InvitationStatus.EXPIRED);
		}
		finally {
			receiving.dispose();
			a.close().block(Duration.ofSeconds(5));
			b.close().block(Duration.ofSeconds(5));
		}
	}
}
