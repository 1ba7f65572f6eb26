// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live follower's view follows its contact entry: the publisher looks up whether a follower is an allowed contact
 * when it registers and again when its entry changes, not at every change, so every change made after an edit must
 * be shown as the edit says (an allowed contact sees the presence of an endpoint signed in to the Internet only, a
 * blocked one is a stranger and does not).
 */
class FollowerVisibilityTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(PeerIdentity id, PeerScope scope) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id).transport(network.transport())
				.discovery(new NoPeersDiscovery()).build();
		open.add(c);
		c.signIn(scope).block(WAIT);
		return c;
	}

	@Test
	void changesAfterAContactEditAreShownAsTheEditSays() {
		PeerIdentity alice = PeerIdentity.generate("alice");
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerCollaboration a = endpoint(alice, PeerScope.ALL);
		PeerCollaboration b = endpoint(bob, PeerScope.INTERNET);
		PeerContact aliceContact = PeerContact.of(alice.name(), "Alice", alice.certificate());
		PresenceInfo busy = new PresenceInfo(PresenceStatus.BUSY, "in a call");
		PresenceInfo away = new PresenceInfo(PresenceStatus.AWAY, "back soon");

		StepVerifier.create(a.peer(b.name(), b.endPoints().get(0)).events()
				.filter(e -> !(e instanceof PeerEvent.Synced)))
				.then(() -> b.contacts().add(aliceContact).block(WAIT))
				.assertNext(e -> assertThat(e).as("allowed: the presence is shown")
						.isInstanceOfSatisfying(PresenceChange.class, p -> assertThat(p.type())
								.isEqualTo(ChangeType.ADDED)))
				.then(() -> b.setPresence(busy).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class,
						p -> assertThat(p.presence()).isEqualTo(busy)))
				.then(() -> b.contacts().update(aliceContact.withSubscribeAllowed(SubscribeAllowed.BLOCKED))
						.block(WAIT))
				.assertNext(e -> assertThat(e).as("blocked: a stranger, to whom the presence is not shown")
						.isInstanceOfSatisfying(PresenceChange.class,
								p -> assertThat(p.type()).isEqualTo(ChangeType.REMOVED)))
				.then(() -> {
					b.setPresence(away).block(WAIT);
					// allowed again: the first change shown is the presence as it is now, not the change above
					b.contacts().update(aliceContact.withSubscribeAllowed(SubscribeAllowed.ALLOWED)).block(WAIT);
				})
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class, p -> {
					assertThat(p.type()).isEqualTo(ChangeType.ADDED);
					assertThat(p.presence()).isEqualTo(away);
				}))
				.then(() -> b.setPresence(busy).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class,
						p -> assertThat(p.presence()).isEqualTo(busy)))
				.thenCancel()
				.verify(WAIT);
	}
}
