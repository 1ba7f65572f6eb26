// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.invite;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.engine.TestAccess;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A host session nobody joined is kept {@link Invitations#UNUSED_HOST_GRACE} after its last invitation, so that
 * invitations sent one after the other name the same session instead of each making and closing one.
 */
class UnusedHostSessionTest {

	static final PeerApplication APP = PeerApplication.of(UUID.randomUUID(), "Whiteboard", PeerScope.ALL);
	static final Duration WAIT = Duration.ofSeconds(5);

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
	private PeerCollaboration a;
	private PeerCollaboration b;
	private final List<Invitation> received = new CopyOnWriteArrayList<>();
	private Disposable declining;
	private Peer bSeenByA;

	@BeforeEach
	void setUp() {
		InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
		a = PeerCollaboration.builder().identity(PeerIdentity.generate("a")).transport(net.transport())
				.timerScheduler(time).build();
		b = PeerCollaboration.builder().identity(PeerIdentity.generate("b")).transport(net.transport())
				.timerScheduler(time).build();
		a.signIn(PeerScope.INTERNET).block(WAIT);
		b.signIn(PeerScope.INTERNET).block(WAIT);
		b.registerApplication(APP).block(WAIT);
		b.contacts().add(PeerContact.of(a.name(), "a", a.identity().certificate())).block(WAIT);
		declining = b.invitations().subscribe(inv -> {
			received.add(inv);
			inv.decline().subscribe();
		});
		bSeenByA = a.peer(b.name(), b.endPoints().get(0));
	}

	@AfterEach
	void tearDown() {
		declining.dispose();
		a.close().block(WAIT);
		b.close().block(WAIT);
	}

	private UUID sessionNamedByNextInvitation() {
		InvitationResponse r = bSeenByA.invite(APP, "", null).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED);
		return ((ReceivedInvitation) received.get(received.size() - 1)).sessionId();
	}

	@Test
	void declinedInvitationsOneAfterTheOtherNameTheSameUnusedSession() {
		UUID first = sessionNamedByNextInvitation();
		time.advanceTimeBy(UNUSED_HOST_GRACE_MINUS_ONE);
		assertThat(sessionNamedByNextInvitation()).isEqualTo(first);
		assertThat(sessionNamedByNextInvitation()).isEqualTo(first);
	}

	@Test
	void anUnusedSessionClosesOnceTheGracePassedAfterItsLastInvitation() {
		UUID first = sessionNamedByNextInvitation();
		time.advanceTimeBy(UNUSED_HOST_GRACE_MINUS_ONE);
		assertThat(sessionNamedByNextInvitation()).isEqualTo(first);

		time.advanceTimeBy(Invitations.UNUSED_HOST_GRACE);

		assertThat(TestAccess.invitations(a).hosted).isEmpty();
		assertThat(sessionNamedByNextInvitation()).isNotEqualTo(first);
	}

	@Test
	void theGraceCountsFromTheLastAnswerNotTheFirst() {
		UUID first = sessionNamedByNextInvitation();
		time.advanceTimeBy(UNUSED_HOST_GRACE_MINUS_ONE);
		sessionNamedByNextInvitation();
		Invitations invitations = TestAccess.invitations(a);

		time.advanceTimeBy(Duration.ofMillis(1));
		assertThat(invitations.planned.get(APP.id()).id).as("the first answer's grace passed, not the last one's")
				.isEqualTo(first);

		time.advanceTimeBy(UNUSED_HOST_GRACE_MINUS_ONE);
		assertThat(invitations.planned).as("the last answer's grace passed").doesNotContainKey(APP.id());
	}

	@Test
	void aDeclinedInvitationMakesNoHostSession() {
		UUID named = sessionNamedByNextInvitation();

		Invitations invitations = TestAccess.invitations(a);
		assertThat(invitations.hosted).as("no session is made for an invitation nobody accepted").isEmpty();
		assertThat(invitations.planned.get(APP.id()).id).isEqualTo(named);
	}

	@Test
	void theSessionAnInvitationNamedIsMadeWhenItIsAcceptedAndForgottenWhenItCloses() {
		UUID named = sessionNamedByNextInvitation();
		declining.dispose();
		declining = b.invitations().subscribe(inv -> inv.accept().subscribe());

		InvitationResponse r = bSeenByA.invite(APP, "", null).block(WAIT);

		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession session = r.session().orElseThrow();
		assertThat(session.id()).as("the session the declined invitation named too").isEqualTo(named);
		Invitations invitations = TestAccess.invitations(a);
		assertThat(invitations.hosted).singleElement().isSameAs(session);

		session.dispose();

		assertThat(invitations.hosted).isEmpty();
		assertThat(invitations.planned).isEmpty();
		assertThat(bSeenByA.invite(APP, "", null).block(WAIT).session().orElseThrow().id()).isNotEqualTo(named);
	}

	private static final Duration UNUSED_HOST_GRACE_MINUS_ONE = Invitations.UNUSED_HOST_GRACE.minusMillis(1);
}
