// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.InvitationStatus;
import io.peercollab.NoPeersDiscovery;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.ScriptedDiscovery;
import io.peercollab.contact.ContactChange;
import io.peercollab.contact.ContactManager;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the agent carries about other peers, as an embedded endpoint shows it: the peers near me (the stream, the list,
 * the look-up by address, and handles that reach them), the diagnostics, and the contacts' change stream with its
 * documented first state and overflow.
 */
class AgentPeersTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path tmp;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final ScriptedDiscovery discovery = new ScriptedDiscovery();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<PeerCollabAgent> agents = new ArrayList<>();
	private final List<Disposable> subscriptions = new ArrayList<>();

	@AfterEach
	void close() {
		subscriptions.forEach(Disposable::dispose);
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
		Flux.fromIterable(agents).flatMap(PeerCollabAgent::stop).then().block(WAIT);
	}

	/** @return an application attached to a new agent whose discovery is the script */
	private PeerCollaboration attached() {
		PeerCollaboration collab = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(network.transport()).discovery(discovery).build();
		AgentSettings settings = AgentSettings.defaults().directory(tmp.resolve("agent"));
		agents.add(PeerCollabAgent.start(collab, settings).block(WAIT));
		PeerCollaboration c = PeerCollabAgent.attach(settings).block(WAIT);
		open.add(c);
		return c;
	}

	private PeerCollaboration embedded(PeerIdentity id) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id).transport(network.transport())
				.discovery(new NoPeersDiscovery()).build();
		open.add(c);
		c.signIn(PeerScope.NEAR_ME).block(WAIT);
		return c;
	}

	private static PeerEndPoint at(PeerCollaboration c) {
		return c.endPoints().get(0);
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) {
		Flux.interval(Duration.ofMillis(5)).filter(t -> condition.getAsBoolean()).blockFirst(WAIT);
		assertThat(condition.getAsBoolean()).isTrue();
	}

	@Test
	void peersNearMeTheirLookUpByAddressAndTheSpoofedNamesComeThroughTheAgent() {
		PeerCollaboration a = attached();
		StepVerifier.create(a.peersNearMe()).as("not signed in near me: as embedded")
				.expectError(NotSignedInException.class).verify(WAIT);
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		PeerIdentity bobId = PeerIdentity.generate("bob");
		PeerCollaboration b = embedded(bobId);
		PeerCollaboration m = embedded(PeerIdentity.generate("mallory"));
		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		List<PeerNearMeEvent> events = new CopyOnWriteArrayList<>();
		List<Diagnostic> spoofs = new CopyOnWriteArrayList<>();
		subscriptions.add(a.peersNearMe().subscribe(events::add));
		subscriptions.add(a.diagnostics().filter(d -> Diagnostic.Kind.SPOOFED_NAME.equals(d.kind()))
				.subscribe(spoofs::add));

		// Mallory's endpoint claims Bob's name: refused, and told by the agent's diagnostics
		discovery.announce(bobId.name(), "Bob", at(m));
		awaitTrue(() -> spoofs.size() == 1);
		assertThat(spoofs.get(0).message()).contains(bobId.name().toString(), at(m).address().toString());
		assertThat(events).as("a name no endpoint proved is never shown").isEmpty();

		discovery.announceNamed(bobId.name(), "Bob", "laptop", "bob-pc", at(b));
		awaitTrue(() -> !events.isEmpty());
		PeerNearMeEvent added = events.get(0);
		assertThat(added.type()).isEqualTo(ChangeType.ADDED);
		PeerNearMe bob = added.peer();
		assertThat(bob.name()).isEqualTo(bobId.name());
		assertThat(bob.nickname()).isEqualTo("Bob");
		assertThat(bob.isVerified()).isTrue();
		assertThat(bob.endPoints()).containsExactly(at(b));
		assertThat(bob.endPointName()).isEqualTo("laptop");
		assertThat(bob.machineName()).isEqualTo("bob-pc");
		// the handle reaches the peer the agent saw
		assertThat(bob.presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(bob.invite(AgentChannelTest.BOARD, "", null).block(WAIT).status())
				.as("Bob has not registered the board").isEqualTo(InvitationStatus.DECLINED);

		assertThat(a.getPeersNearMe().block(WAIT)).singleElement()
				.satisfies(p -> assertThat(p.name()).isEqualTo(bobId.name()));
		StepVerifier.create(a.peerNearMe(at(b).address()))
				.assertNext(p -> {
					assertThat(p.name()).isEqualTo(bobId.name());
					assertThat(p).isEqualTo(bob);
				})
				.verifyComplete();
		StepVerifier.create(a.peerNearMe(at(m).address()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining(at(m).address().toString()))
				.verify(WAIT);

		// Bob goes: REMOVED, as embedded; and the stream completes on signing out of NEAR_ME
		discovery.remove(bobId.name(), "Bob", at(b));
		awaitTrue(() -> events.stream().anyMatch(e -> e.type() == ChangeType.REMOVED));
		// the stream is a request to the agent: Bob's return shows it is live there before signing out, which would
		// otherwise fail it as not signed in
		StepVerifier.create(a.peersNearMe())
				.then(() -> discovery.announceNamed(bobId.name(), "Bob", "laptop", "bob-pc", at(b)))
				.expectNextMatches(e -> e.type() == ChangeType.ADDED && e.peer().name().equals(bobId.name()))
				.then(() -> a.signOut(PeerScope.NEAR_ME).block(WAIT))
				.thenConsumeWhile(e -> e.type() == ChangeType.REMOVED)
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(a.getPeersNearMe()).expectError(NotSignedInException.class).verify(WAIT);
	}

	@Test
	void theContactsChangeStreamStartsWithTheStoredContactsAndOverflowsAsEmbedded() {
		PeerCollaboration a = attached();
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerContact bobContact = a.contacts().add(PeerContact.of(bob.name(), "Bob", bob.certificate())).block(WAIT);
		assertThat(a.contacts().find(bob.name()).block(WAIT)).isEqualTo(bobContact);
		assertThat(a.contacts().find(PeerName.unsecured("nobody")).blockOptional(WAIT)).isEmpty();

		// a subscriber that asks for one change only: the first is the stored contact, then the agent holds
		// CHANGES_BUFFER for it and fails it past that, as embedded
		int n = ContactManager.CHANGES_BUFFER + 16;
		StepVerifier.create(a.contacts().changes(), 1)
				.assertNext(c -> assertThat(c).isEqualTo(new ContactChange(ChangeType.ADDED, bobContact)))
				.then(() -> Flux.range(0, n)
						.concatMap(i -> a.contacts().add(PeerContact.of(PeerName.unsecured("c" + i), "",
								bob.certificate())), 16)
						.then().block(Duration.ofSeconds(60)))
				.thenRequest(Long.MAX_VALUE)
				.thenConsumeWhile(c -> c.type() == ChangeType.ADDED)
				.expectErrorSatisfies(e -> assertThat(Exceptions.isOverflow(e)).as("an overflow error: %s", e)
						.isTrue())
				.verify(Duration.ofSeconds(60));

		// a subscriber that keeps up sees the whole list first, then the next change
		StepVerifier.create(a.contacts().changes())
				.expectNextCount(n + 1)
				.then(() -> a.contacts().delete(bob.name()).block(WAIT))
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.REMOVED);
					assertThat(c.contact().name()).isEqualTo(bob.name());
				})
				.thenCancel()
				.verify(WAIT);
		StepVerifier.create(a.contacts().delete(bob.name())).expectError(NotFoundException.class).verify(WAIT);
	}
}
