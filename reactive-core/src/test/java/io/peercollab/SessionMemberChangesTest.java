// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CollaborationSession#memberChanges()}: the members now, then who joins and whose part ends, telling a goodbye
 * from a member that could no longer be reached, on the host's side and on a member's; and the end of the stream with
 * the session's. In memory: {@code network.cut} breaks an endpoint's connections as its process dying would.
 */
class SessionMemberChangesTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(String name) {
		PeerCollaboration c = PeerCollaboration.builder().identity(PeerIdentity.generate(name))
				.transport(network.transport()).discovery(new NoPeersDiscovery()).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		c.registerApplication(CollaborationContract.WHITEBOARD).block(WAIT);
		return c;
	}

	/** {@code host} invites {@code member}, which accepts; returns the host's session and the member's. */
	private static CollaborationSession[] join(PeerCollaboration host, PeerCollaboration member) {
		Mono<CollaborationSession> joined = member.invitations().next().flatMap(Invitation::accept).cache();
		joined.subscribe();
		InvitationResponse answer = host.peer(member.name(), member.endPoints().get(0))
				.invite(CollaborationContract.WHITEBOARD, "", null).block(WAIT);
		assertThat(answer.status()).isEqualTo(InvitationStatus.ACCEPTED);
		return new CollaborationSession[] { answer.session().orElseThrow(), joined.block(WAIT) };
	}

	private static SessionMemberChange added(PeerName name) {
		return new SessionMemberChange(ChangeType.ADDED, name, java.util.Optional.empty());
	}

	@Test
	void theHostLearnsWhoJoinsWhoLeavesAndWhoIsLost() {
		PeerCollaboration alice = endpoint("alice");
		PeerCollaboration bob = endpoint("bob");
		PeerCollaboration carol = endpoint("carol");
		CollaborationSession[] ab = join(alice, bob);
		CollaborationSession host = ab[0];

		StepVerifier.create(host.memberChanges())
				.expectNext(added(bob.name()))
				.then(() -> {
					CollaborationSession[] ac = join(alice, carol);
					assertThat(ac[0]).isSameAs(host);
				})
				.expectNext(added(carol.name()))
				.then(() -> ab[1].dispose())
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.member()).isEqualTo(bob.name());
					assertThat(c.isLost()).as("bob said goodbye").isFalse();
				})
				.then(() -> network.cut(carol.name()))
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.member()).isEqualTo(carol.name());
					assertThat(c.lost()).as("carol could no longer be reached").get()
							.isInstanceOf(PeerUnreachableException.class);
				})
				// carol was the last member, lost: the host's session fails, and its member changes complete
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(host.onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
		StepVerifier.create(host.memberChanges()).as("subscribed after the end").expectComplete().verify(WAIT);
	}

	@Test
	void aMemberLearnsTheHostWasLost() {
		PeerCollaboration alice = endpoint("alice");
		PeerCollaboration bob = endpoint("bob");
		CollaborationSession member = join(alice, bob)[1];

		StepVerifier.create(member.memberChanges())
				.expectNext(added(alice.name()))
				.then(() -> network.cut(alice.name()))
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.member()).isEqualTo(alice.name());
					assertThat(c.isLost()).isTrue();
				})
				.expectComplete()
				.verify(WAIT);
	}

	@Test
	void theHostClosingIsAGoodbyeOnBothSides() {
		PeerCollaboration alice = endpoint("alice");
		PeerCollaboration bob = endpoint("bob");
		CollaborationSession[] ab = join(alice, bob);
		List<SessionMemberChange> hostSaw = new ArrayList<>();
		ab[0].memberChanges().subscribe(hostSaw::add);

		StepVerifier.create(ab[1].memberChanges())
				.expectNext(added(alice.name()))
				.then(() -> ab[0].dispose())
				.expectNext(new SessionMemberChange(ChangeType.REMOVED, alice.name(), java.util.Optional.empty()))
				.expectComplete()
				.verify(WAIT);
		assertThat(hostSaw).containsExactly(added(bob.name()),
				new SessionMemberChange(ChangeType.REMOVED, bob.name(), java.util.Optional.empty()));
	}

	@Test
	void aChangeCannotSayAnAdditionWasLost() {
		PeerName n = PeerIdentity.generate("x").name();
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SessionMemberChange(ChangeType.ADDED, n,
				java.util.Optional.of(new PeerUnreachableException("gone")))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("lost");
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SessionMemberChange(ChangeType.UPDATED, n,
				java.util.Optional.empty())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
	}
}
