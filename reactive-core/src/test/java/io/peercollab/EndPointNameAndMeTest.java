// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.Announcement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a local endpoint says about itself (issue 15): its endpoint name (default the machine's host name, at most 255
 * characters, stored, announced near me, with a change stream) and its Me contact (edits stored across restarts,
 * driving the announced nickname, always watched and allowed).
 */
class EndPointNameAndMeTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final PeerIdentity alice = PeerIdentity.generate("alice");
	private static final PeerIdentity bob = PeerIdentity.generate("bob");

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	/**
	 * Under the build directory rather than a {@code @TempDir}: H2 may still hold a file of a store closed a moment ago
	 * when JUnit deletes its temporary directory, which fails the test after it passed.
	 */
	private final Path home = Path.of("target", "endpoint-name-and-me", java.util.UUID.randomUUID().toString());

	@AfterEach
	void close() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(PeerCollaboration.Builder b) {
		PeerCollaboration c = b.transport(net.transport()).build();
		open.add(c);
		return c;
	}

	/** An endpoint over an H2 store in {@code home}, as a program that starts again would open it. */
	private PeerCollaboration stored(ScriptedDiscovery discovery) {
		return endpoint(PeerCollaboration.builder().identity(alice).nickname("Alice")
				.contactStore(ContactStores.h2(home.resolve("store"))).discovery(discovery)
				.announceEndpointName(true));
	}

	@Test
	void theEndpointNameDefaultsToTheMachinesHostNameAndIsAtMost255Characters() {
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice));
		assertThat(a.endPointName()).isEqualTo(a.machineName());
		assertThat(a.machineName()).as("this machine has a host name").isNotBlank();

		StepVerifier.create(a.setEndPointName("x".repeat(256)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("endPointName must be at most 255 characters, was 256"))
				.verify(WAIT);
		assertThat(a.endPointName()).as("unchanged").isEqualTo(a.machineName());
		StepVerifier.create(a.setEndPointName("x".repeat(255))).verifyComplete();
		assertThatThrownBy(() -> PeerCollaboration.builder().endPointName("y".repeat(256)))
				.isInstanceOf(PayloadTooLargeException.class)
				.hasMessage("endPointName must be at most 255 characters, was 256");
		assertThat(endpoint(PeerCollaboration.builder().identity(bob).endPointName("Bob's desk")).endPointName())
				.isEqualTo("Bob's desk");
	}

	@Test
	void theEndpointNameChangesAreStreamedCurrentFirst() {
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice).endPointName("first"));
		StepVerifier.create(a.endPointNameChanges())
				.expectNext("first")
				.then(() -> a.setEndPointName("second").block(WAIT))
				.expectNext("second")
				.thenCancel()
				.verify(WAIT);
		StepVerifier.create(a.endPointNameChanges().take(1)).expectNext("second").verifyComplete();
	}

	@Test
	void theEndpointNameIsStoredAnnouncedNearMeWithTheMachineNameAndRestoredAtTheNextStart() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration a = stored(discovery);
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		Announcement first = discovery.started.get(0);
		assertThat(first.endPointName()).isEqualTo(a.machineName());
		assertThat(first.machineName()).isEqualTo(a.machineName());

		a.setEndPointName("Alice's laptop").block(WAIT);
		assertThat(discovery.reannounced).containsExactly("endpoint Alice's laptop");
		a.close().block(WAIT);

		ScriptedDiscovery again = new ScriptedDiscovery();
		PeerCollaboration restarted = stored(again);
		restarted.signIn(PeerScope.NEAR_ME).block(WAIT);
		assertThat(restarted.endPointName()).isEqualTo("Alice's laptop");
		assertThat(again.started.get(0).endPointName()).isEqualTo("Alice's laptop");
	}

	@Test
	void byDefaultNeitherTheEndpointNorTheMachineNameIsAnnounced() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice).discovery(discovery));
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		a.setEndPointName("desk").block(WAIT);
		assertThat(discovery.started.get(0).endPointName()).isEmpty();
		assertThat(discovery.started.get(0).machineName()).isEmpty();
		assertThat(discovery.reannounced).isEmpty();
	}

	@Test
	void aPeerNearMeShowsTheEndpointAndMachineNamesItAnnounced() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice).discovery(discovery));
		PeerCollaboration b = endpoint(PeerCollaboration.builder().identity(bob).discovery(new NoPeersDiscovery()));
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		b.signIn(PeerScope.NEAR_ME).block(WAIT);

		discovery.announceNamed(bob.name(), "Bob", "Bob's desk", "bob-pc", b.endPoints().get(0));
		PeerNearMe near = a.peersNearMe().map(PeerNearMeEvent::peer).filter(p -> p.name().equals(bob.name()))
				.blockFirst(WAIT);
		assertThat(near.endPointName()).isEqualTo("Bob's desk");
		assertThat(near.machineName()).isEqualTo("bob-pc");
		StepVerifier.create(near.endPointChanges().take(1))
				.assertNext(c -> assertThat(c.endPoint().name()).as("the endpoint's name, as announced")
						.isEqualTo("Bob's desk"))
				.verifyComplete();

		discovery.announceNamed(bob.name(), "Bob", "Bob's sofa", "bob-pc", b.endPoints().get(0));
		assertThat(a.peersNearMe().filter(e -> e.type() == ChangeType.UPDATED || e.type() == ChangeType.ADDED)
				.map(e -> e.peer().endPointName()).filter("Bob's sofa"::equals).blockFirst(WAIT))
				.isEqualTo("Bob's sofa");
	}

	@Test
	void theMeContactKeepsItsEditsAcrossRestartsAndDrivesTheAnnouncedNickname() {
		ScriptedDiscovery discovery = new ScriptedDiscovery();
		PeerCollaboration a = stored(discovery);
		a.signIn(PeerScope.NEAR_ME).block(WAIT);
		a.contacts().updateMe("Ally", "Alice Liddell", "alice@example.org").block(WAIT);
		assertThat(a.nickname()).isEqualTo("Ally");
		assertThat(discovery.reannounced).containsExactly("nickname Ally");
		a.close().block(WAIT);

		ScriptedDiscovery again = new ScriptedDiscovery();
		PeerCollaboration restarted = stored(again);
		restarted.signIn(PeerScope.NEAR_ME).block(WAIT);
		PeerContact me = restarted.contacts().me();
		assertThat(me.nickname()).as("the stored edit wins over the builder's nickname").isEqualTo("Ally");
		assertThat(me.displayName()).isEqualTo("Alice Liddell");
		assertThat(me.email()).isEqualTo("alice@example.org");
		assertThat(restarted.nickname()).isEqualTo("Ally");
		assertThat(again.started.get(0).nickname()).as("announced").isEqualTo("Ally");

		restarted.setNickname("Alice again").block(WAIT);
		assertThat(restarted.contacts().me().nickname()).isEqualTo("Alice again");
		restarted.close().block(WAIT);
		assertThat(stored(new ScriptedDiscovery()).contacts().findAll().then()
				.then(reactor.core.publisher.Mono.fromSupplier(() -> open.get(open.size() - 1).contacts().me()))
				.block(WAIT).nickname()).isEqualTo("Alice again");
	}

	@Test
	void aLongMeNicknameIsAnnouncedCutTo63Characters() {
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice));
		a.contacts().updateMe("n".repeat(100), "", "").block(WAIT);
		assertThat(a.contacts().me().nickname()).hasSize(100);
		assertThat(a.nickname()).isEqualTo("n".repeat(PeerCollaboration.MAX_NICKNAME_LENGTH));
	}

	@Test
	void theMeContactIsAlwaysWatchedAndAllowed() {
		PeerCollaboration a = endpoint(PeerCollaboration.builder().identity(alice));
		assertThat(a.contacts().me().subscribed()).isTrue();
		assertThat(a.contacts().me().subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
		PeerContact edited = a.contacts().updateMe("A", "B", "").block(WAIT);
		assertThat(edited.subscribed()).isTrue();
		assertThat(edited.subscribeAllowed()).isEqualTo(SubscribeAllowed.ALLOWED);
	}
}
