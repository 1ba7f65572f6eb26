// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.engine.TestAccess;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.Discovery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What discovery claims versus what people near me show: a name is shown only where a connection proved it, refused
 * endpoints are not dialled again when the name comes back, and a vanished peer's endpoints are not listed again.
 * Discovery is scripted here, so that each claim arrives exactly when the test says.
 */
class NearMeClaimsTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final PeerIdentity alice = PeerIdentity.generate("alice");
	private static final PeerIdentity bob = PeerIdentity.generate("bob");
	private static final PeerIdentity mallory = PeerIdentity.generate("mallory");

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final ScriptedDiscovery discovery = new ScriptedDiscovery();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<Disposable> subscriptions = new ArrayList<>();

	@AfterEach
	void close() {
		subscriptions.forEach(Disposable::dispose);
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(PeerIdentity id, Discovery d) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id).transport(net.transport()).discovery(d).build();
		open.add(c);
		c.signIn(PeerScope.NEAR_ME).block(WAIT);
		return c;
	}

	/** Alice, who sees what the script announces; her events and diagnostics are recorded. */
	private final class Observer {

		final PeerCollaboration me = endpoint(alice, discovery);
		final List<PeerNearMeEvent> events = new CopyOnWriteArrayList<>();
		final List<Diagnostic> spoofs = new CopyOnWriteArrayList<>();

		Observer() {
			subscriptions.add(me.peersNearMe().subscribe(events::add));
			subscriptions.add(me.diagnostics().filter(d -> Diagnostic.Kind.SPOOFED_NAME.equals(d.kind()))
					.subscribe(spoofs::add));
		}

		List<PeerNearMeEvent> of(PeerName name) {
			return events.stream().filter(e -> e.peer().name().equals(name)).toList();
		}
	}

	private static PeerEndPoint at(PeerCollaboration c) {
		return c.endPoints().get(0);
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) {
		Flux.interval(Duration.ofMillis(5)).filter(t -> condition.getAsBoolean()).blockFirst(WAIT);
		assertThat(condition.getAsBoolean()).isTrue();
	}

	@Test
	void aNameIsShownOnlyWhereAConnectionProvedItNeverAtAnImpostorsEndpoint() {
		Observer a = new Observer();
		PeerCollaboration b = endpoint(bob, new NoPeersDiscovery());
		PeerCollaboration m = endpoint(mallory, new NoPeersDiscovery());

		// Mallory's endpoint claims Bob's name first, then Bob's own announcement arrives too.
		discovery.announce(bob.name(), "Bob", at(m));
		awaitTrue(() -> a.spoofs.size() == 1);
		assertThat(a.of(bob.name())).as("nothing is shown for a name no endpoint proved").isEmpty();
		discovery.announce(bob.name(), "Bob", at(m), at(b));
		awaitTrue(() -> !a.of(bob.name()).isEmpty());

		List<PeerNearMeEvent> shown = a.of(bob.name());
		assertThat(shown).hasSize(1);
		assertThat(shown.get(0).type()).isEqualTo(ChangeType.ADDED);
		assertThat(shown.get(0).peer().endPoints()).containsExactly(at(b));
		assertThat(((PeerNearMe) shown.get(0).peer()).isVerified()).isTrue();
		assertThat(a.spoofs).as("the impostor's endpoint is checked once").hasSize(1);
	}

	@Test
	void aPeerNearMeIsFoundByAnAddressItAnnouncedAndOnlyThen() {
		Observer a = new Observer();
		PeerCollaboration b = endpoint(bob, new NoPeersDiscovery());
		PeerCollaboration m = endpoint(mallory, new NoPeersDiscovery());
		discovery.announce(bob.name(), "Bob", at(b));
		awaitTrue(() -> !a.of(bob.name()).isEmpty());

		StepVerifier.create(a.me.peerNearMe(at(b).address()))
				.assertNext(p -> {
					assertThat(p.name()).isEqualTo(bob.name());
					assertThat(p.isVerified()).isTrue();
				})
				.verifyComplete();
		// an endpoint nobody near me announced, though something listens there
		StepVerifier.create(a.me.peerNearMe(at(m).address()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining(at(m).address().toString()).hasMessageContaining("1 peer near me"))
				.verify(WAIT);
		// the TCP form of the call names the same address; a port 0 is no endpoint
		java.net.InetSocketAddress tcp = new java.net.InetSocketAddress("127.0.0.1", 7);
		StepVerifier.create(a.me.peerNearMe(tcp))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining(TcpAddress.of(tcp).toString()))
				.verify(WAIT);
		org.assertj.core.api.Assertions.assertThatThrownBy(
				() -> a.me.peerNearMe(new java.net.InetSocketAddress("127.0.0.1", 0)))
				.isInstanceOf(IllegalArgumentException.class);

		a.me.signOut(PeerScope.NEAR_ME).block(WAIT);
		StepVerifier.create(a.me.peerNearMe(at(b).address())).expectError(NotSignedInException.class).verify(WAIT);
	}

	@Test
	void anEndpointRefusedAsSpoofedIsNotDialledAgainWhenTheNameComesBack() {
		Observer a = new Observer();
		PeerCollaboration m = endpoint(mallory, new NoPeersDiscovery());

		discovery.announce(bob.name(), "Bob", at(m));
		awaitTrue(() -> a.spoofs.size() == 1);
		discovery.remove(bob.name(), "Bob", at(m));
		discovery.announce(bob.name(), "Bob", at(m));
		// a marker after the repeated claim: once Carol is shown, Alice has handled everything announced before her
		PeerCollaboration carol = endpoint(PeerIdentity.generate("carol"), new NoPeersDiscovery());
		discovery.announce(carol.name(), "Carol", at(carol));
		awaitTrue(() -> !a.of(carol.name()).isEmpty());

		assertThat(a.spoofs).as("refused once, not dialled again").hasSize(1);
		assertThat(a.of(bob.name())).isEmpty();
	}

	@Test
	void theEndpointsOfAVanishedPeerAreNotListedAgainAndTheNewestProofComesFirst() {
		Observer a = new Observer();
		PeerCollaboration b1 = endpoint(bob, new NoPeersDiscovery());
		discovery.announce(bob.name(), "Bob", at(b1));
		awaitTrue(() -> a.of(bob.name()).size() == 1);
		PeerEndPoint old = at(b1);

		// Bob's process dies: the watched connection closes, the probe fails, Bob is removed.
		TestAccess.crashTransport(b1);
		awaitTrue(() -> a.of(bob.name()).size() == 2);
		assertThat(a.of(bob.name()).get(1).type()).isEqualTo(ChangeType.REMOVED);

		// Bob starts again elsewhere; mDNS still lists the dead endpoint beside the new one.
		PeerCollaboration b2 = endpoint(bob, new NoPeersDiscovery());
		discovery.announce(bob.name(), "Bob", old, at(b2));
		awaitTrue(() -> a.of(bob.name()).size() == 3);
		PeerNearMeEvent back = a.of(bob.name()).get(2);
		assertThat(back.type()).isEqualTo(ChangeType.ADDED);
		assertThat(back.peer().endPoints()).as("the dead endpoint is not listed again").containsExactly(at(b2));

		// A third endpoint of the same name proves it later: most recently proven first.
		PeerCollaboration b3 = endpoint(bob, new NoPeersDiscovery());
		discovery.announce(bob.name(), "Bob", old, at(b2), at(b3));
		awaitTrue(() -> a.of(bob.name()).size() == 4);
		assertThat(a.of(bob.name()).get(3).peer().endPoints()).containsExactly(at(b3), at(b2));
	}
}
