// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.agent.NotCarriedByAgentException;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerIdentity;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The records of the agent's local channel: what goes in comes out the same, through CBOR. */
class AgentLocalWireTest {

	private static final PeerEndPoint TCP = new PeerEndPoint("laptop", new InetSocketAddress("127.0.0.1", 4242));
	private static final PeerEndPoint RELAYED = PeerEndPoint.of(new RelayedAddress(
			TcpAddress.of(new InetSocketAddress("192.0.2.7", 3478))));

	private static <T> T roundTrip(Object body, Class<T> type) {
		return LocalWire.read(DefaultPayload.create(LocalWire.write(body)), type);
	}

	@Test
	void everyKindOfPeerEventComesBackTheSame() {
		PeerApplication app = new PeerApplication(UUID.randomUUID(), "Board", new byte[] { 1, 2 }, PeerScope.ALL,
				"", List.of());
		PeerObject obj = new PeerObject(UUID.randomUUID(), new byte[] { 3 }, PeerScope.NEAR_ME);
		List<PeerEvent> events = List.of(new PresenceChange(ChangeType.ADDED, new PresenceInfo(PresenceStatus.AWAY,
				"lunch"), 1), new ApplicationChange(ChangeType.UPDATED, app, 2),
				new ObjectChange(ChangeType.REMOVED, obj, 3), new PeerEvent.Synced(4));
		for (PeerEvent e : events) {
			PeerEvent back = roundTrip(LocalWire.Event.of(e), LocalWire.Event.class).event();
			assertThat(back).usingRecursiveComparison().isEqualTo(e);
		}
	}

	@Test
	void aContactComesBackTheSameAndOneWithAnEndpointTheChannelCannotCarryIsRefusedNotCut() {
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerContact c = new PeerContact(bob.name(), "Bob", "Bob B.", "bob@example.org", bob.certificate(),
				List.of(TCP), true, SubscribeAllowed.BLOCKED);
		assertThat(roundTrip(LocalWire.Contact.of(c), LocalWire.Contact.class).contact()).isEqualTo(c);

		PeerContact relayed = c.withEndPoints(List.of(TCP, RELAYED));
		assertThatThrownBy(() -> LocalWire.Contact.of(relayed)).isInstanceOf(NotCarriedByAgentException.class)
				.hasMessageContaining(bob.name().toString());
		assertThat(LocalWire.Contact.shown(relayed).contact().endPoints()).as("shown: the TCP one only")
				.containsExactly(TCP);
	}

	@Test
	void anEndpointOfAnotherKindIsShownByItsSchemeAndText() {
		PeerEndPoint back = roundTrip(LocalWire.EndPoint.shown(RELAYED), LocalWire.EndPoint.class).endPoint();
		assertThat(back.name()).isEqualTo(RELAYED.name());
		assertThat(back.address().scheme()).isEqualTo("turn");
		assertThat(back.address().toString()).isEqualTo(RELAYED.address().toString());
		assertThat(roundTrip(LocalWire.EndPoint.shown(TCP), LocalWire.EndPoint.class).endPoint()).isEqualTo(TCP);
	}

	@Test
	void aDiagnosticKeepsItsPeerAddressAndTheTypeOfItsCause() {
		PeerIdentity bob = PeerIdentity.generate("bob");
		Diagnostic d = new Diagnostic(Instant.ofEpochSecond(1_700_000_000L, 123_456_789), Diagnostic.Kind.of(
				"CUSTOM_KIND"), "refused", bob.name(), TCP.address(), new PeerIdentityMismatchException("not bob"));
		Diagnostic back = roundTrip(LocalWire.Diag.of(d), LocalWire.Diag.class).diagnostic();
		assertThat(back.time()).isEqualTo(d.time());
		assertThat(back.kind()).isEqualTo(d.kind());
		assertThat(back.message()).isEqualTo("refused");
		assertThat(back.peer()).isEqualTo(bob.name());
		assertThat(back.address()).isEqualTo(TCP.address());
		assertThat(back.cause()).isInstanceOf(PeerIdentityMismatchException.class).hasMessage("not bob");

		Diagnostic bare = new Diagnostic(Instant.EPOCH, Diagnostic.Kind.SPOOFED_NAME, "x");
		assertThat(roundTrip(LocalWire.Diag.of(bare), LocalWire.Diag.class).diagnostic()).isEqualTo(bare);
	}

	@Test
	void anOverflowCrossesTheChannelAsAnOverflow() {
		Throwable overflow = Exceptions.failWithOverflow("the subscriber fell 1024 changes behind");
		Throwable back = LocalWire.fromWire(LocalWire.toWire(overflow));
		assertThat(Exceptions.isOverflow(back)).isTrue();
		assertThat(back).hasMessage("the subscriber fell 1024 changes behind");
	}
}
