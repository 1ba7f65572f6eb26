// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.engine.TestAccess;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What two or three endpoints can do to each other, run against every {@link PeerTransport}: the in-memory one and
 * the RSocket one must behave the same. Subclasses say how to make a transport.
 */
public abstract class CollaborationContract {

	protected static final Duration WAIT = Duration.ofSeconds(10);
	protected static PeerIdentity alice;
	protected static PeerIdentity bob;
	protected static PeerIdentity carol;

	public static final PeerApplication WHITEBOARD = new PeerApplication(
			UUID.fromString("8d2b7c7e-57a4-4a8a-9bb4-0b2e8f1d7c11"), "Whiteboard", "w".getBytes(StandardCharsets.UTF_8),
			PeerScope.ALL, "/usr/bin/whiteboard", List.of("--secret-flag"));

	private final List<PeerCollaboration> open = new ArrayList<>();

	/** @return a new transport on which the endpoints of one test can reach each other on loopback */
	protected abstract PeerTransport transport();

	@BeforeAll
	static void identities() {
		if (alice == null) {
			alice = PeerIdentity.generate("alice");
			bob = PeerIdentity.generate("bob");
			carol = PeerIdentity.generate("carol");
		}
	}

	@AfterEach
	void closeEndpoints() {
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
		open.clear();
	}

	protected PeerCollaboration endpoint(PeerIdentity id, UnaryOperator<PeerCollaboration.Builder> custom) {
		PeerCollaboration.Builder b = PeerCollaboration.builder().identity(id).transport(transport())
				.discovery(new NoPeersDiscovery());
		PeerCollaboration c = custom.apply(b).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	protected PeerCollaboration endpoint(PeerIdentity id) {
		return endpoint(id, b -> b);
	}

	/**
	 * @return the engine behind {@code endpoint}, for {@link TestAccess}: the endpoint itself, unless a subclass
	 * serves the engine through something else (the agent)
	 */
	protected PeerCollaboration engine(PeerCollaboration endpoint) {
		return endpoint;
	}

	protected static Peer peer(PeerCollaboration from, PeerCollaboration to) {
		return from.peer(to.name(), to.endPoints().get(0));
	}

	/** The two sides of one session: {@code b} registers the whiteboard and accepts {@code a}'s invitation. */
	protected record Session(CollaborationSession host, CollaborationSession member) {
	}

	protected static Session openSession(PeerCollaboration a, PeerCollaboration b) {
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> bobSession = b.invitations().next().flatMap(Invitation::accept).cache();
		bobSession.subscribe();
		CollaborationSession host = peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).session().orElseThrow();
		return new Session(host, bobSession.block(WAIT));
	}

	protected static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	// ----- invitations -----------------------------------------------------------------------------------------------

	@Test
	void invitationAcceptedOpensOneSessionOnBothSides() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);

		Mono<CollaborationSession> bobSide = b.invitations().next().flatMap(inv -> {
			assertThat(inv.sender()).isEqualTo(a.name());
			assertThat(inv.senderNickname()).isEqualTo("alice");
			assertThat(inv.fromContact()).isFalse();
			assertThat(inv.message()).isEqualTo("join me?");
			assertThat(inv.data()).isEqualTo(utf8("board-42"));
			assertThat(inv.application().path()).as("the receiver sees its own launch details").isEqualTo("/usr/bin/whiteboard");
			assertThat(inv.senderEndPoint()).as("the endpoint the invitation came from").isPresent();
			return inv.accept();
		}).cache();
		bobSide.subscribe();

		InvitationResponse response = peer(a, b).invite(WHITEBOARD, "join me?", utf8("board-42")).block(WAIT);
		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		CollaborationSession hostSession = response.session().orElseThrow();
		CollaborationSession memberSession = bobSide.block(WAIT);
		assertThat(hostSession.isHost()).isTrue();
		assertThat(memberSession.host()).isEqualTo(a.name());
		assertThat(memberSession.id()).isEqualTo(hostSession.id());

		hostSession.send(utf8("ping")).block(WAIT);
		StepVerifier.create(memberSession.receive().take(1))
				.assertNext(m -> {
					assertThat(m.from()).isEqualTo(a.name());
					assertThat(m.text()).isEqualTo("ping");
				})
				.verifyComplete();
		memberSession.send(utf8("pong")).block(WAIT);
		StepVerifier.create(hostSession.receive().take(1))
				.assertNext(m -> {
					assertThat(m.from()).isEqualTo(b.name());
					assertThat(m.text()).isEqualTo("pong");
				})
				.verifyComplete();
	}

	@Test
	void invitationDeclinedCarriesTheMessageBack() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		b.invitations().next().flatMap(inv -> inv.decline("not now")).subscribe();

		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null))
				.assertNext(r -> {
					assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED);
					assertThat(r.message()).isEqualTo("not now");
					assertThat(r.session()).isEmpty();
				})
				.verifyComplete();
	}

	@Test
	void invitationToAnUnregisteredApplicationIsDeclinedAtOnceAndNotShown() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Invitation> shown = new ArrayList<>();
		Disposable d = b.invitations().subscribe(shown::add);

		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null))
				.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED))
				.verifyComplete();
		assertThat(shown).isEmpty();
		d.dispose();
	}

	@Test
	void aStrangerCannotInviteIntoAnApplicationItCannotSeeAndLearnsNothingOfIt() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		PeerApplication internetOnly = PeerApplication.of(UUID.randomUUID(), "Internet only", PeerScope.INTERNET);
		PeerApplication hidden = PeerApplication.of(UUID.randomUUID(), "Hidden", PeerScope.NONE);
		PeerApplication unregistered = PeerApplication.of(UUID.randomUUID(), "Unregistered", PeerScope.ALL);
		b.registerApplication(internetOnly).block(WAIT);
		b.registerApplication(hidden).block(WAIT);
		List<Invitation> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable d = b.invitations().subscribe(inv -> {
			shown.add(inv);
			inv.accept().subscribe();
		});
		try {
			InvitationResponse toUnregistered = peer(a, b).invite(unregistered, "", null).block(WAIT);
			for (PeerApplication app : List.of(internetOnly, hidden)) {
				InvitationResponse r = peer(a, b).invite(app, "", null).block(WAIT);
				// the same answer as for an application that is not registered: nothing tells them apart
				assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED);
				assertThat(r.message()).isEqualTo(toUnregistered.message());
			}
			assertThat(shown).isEmpty();

			// an allowed contact sees the INTERNET application and may be invited into it; NONE stays hidden
			b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
			assertThat(peer(a, b).invite(internetOnly, "", null).block(WAIT).status())
					.isEqualTo(InvitationStatus.ACCEPTED);
			assertThat(peer(a, b).invite(hidden, "", null).block(WAIT).status()).isEqualTo(InvitationStatus.DECLINED);
		}
		finally {
			d.dispose();
		}
	}

	@Test
	void theInviterNeedNotRegisterTheApplication() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		assertThat(a.applications()).isEmpty();
		Disposable d = b.invitations().subscribe(inv -> inv.accept().subscribe());
		try {
			assertThat(peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).status())
					.isEqualTo(InvitationStatus.ACCEPTED);
		}
		finally {
			d.dispose();
		}
	}

	@Test
	void contactsOnlyPolicyRefusesStrangersAndBlockedContacts() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob, x -> x.invitationPolicy(InvitationPolicy.CONTACTS_ONLY));
		b.registerApplication(WHITEBOARD).block(WAIT);

		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotAuthorizedException.class)
						.hasMessageContaining("contacts only"))
				.verify(WAIT);

		PeerContact aliceContact = PeerContact.of(alice.name(), "Alice", alice.certificate());
		b.contacts().add(aliceContact.withSubscribeAllowed(SubscribeAllowed.BLOCKED)).block(WAIT);
		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null))
				.expectError(NotAuthorizedException.class)
				.verify(WAIT);

		b.contacts().update(aliceContact).block(WAIT);
		b.invitations().next().flatMap(inv -> {
			assertThat(inv.fromContact()).isTrue();
			return inv.decline();
		}).subscribe();
		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null))
				.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED))
				.verifyComplete();
	}

	@Test
	void invitationExpiresWhenNobodyAnswers() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.subscribe();

		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null, Duration.ofMillis(300)))
				.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.EXPIRED))
				.verifyComplete();
		Invitation inv = received.block(WAIT);
		assertThat(inv.outcome().block(WAIT)).isEqualTo(InvitationState.EXPIRED);
		StepVerifier.create(inv.accept()).expectError(InvitationClosedException.class).verify(WAIT);
	}

	/** Bob signed in on three endpoints (one identity), each with the whiteboard, as a contact of Alice's. */
	private record ThreeDevices(PeerCollaboration alice, PeerContact bob, List<Mono<Invitation>> received) {
	}

	private ThreeDevices threeDevices() {
		PeerCollaboration a = endpoint(alice);
		List<PeerCollaboration> devices = List.of(endpoint(bob), endpoint(bob), endpoint(bob));
		List<Mono<Invitation>> received = new ArrayList<>();
		List<PeerEndPoint> endPoints = new ArrayList<>();
		for (PeerCollaboration device : devices) {
			device.registerApplication(WHITEBOARD).block(WAIT);
			Mono<Invitation> first = device.invitations().next().cache();
			first.subscribe();
			received.add(first);
			endPoints.add(device.endPoints().get(0));
		}
		PeerContact contact = PeerContact.of(bob.name(), "bob", bob.certificate()).withEndPoints(endPoints);
		a.contacts().add(contact).block(WAIT);
		return new ThreeDevices(a, contact, received);
	}

	@Test
	void aContactOnThreeEndpointsIsInvitedOnEachTheFirstAcceptWinsAndTheOthersAreWithdrawn() {
		ThreeDevices t = threeDevices();
		// the first device declines at once; the second accepts once the first has declined and the third has its
		// invitation (connections to a contact's addresses are tried a little apart); the third never answers
		t.received().get(0).flatMap(inv -> inv.decline("busy here")).subscribe();
		t.received().get(1).flatMap(inv -> Mono.when(t.received().get(0).flatMap(Invitation::outcome),
				t.received().get(2)).then(inv.accept())).subscribe();

		InvitationResponse response = t.alice().peer(t.bob()).invite(WHITEBOARD, "join me", null).block(WAIT);

		assertThat(response.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(response.session()).isPresent();
		assertThat(t.received().get(0).block(WAIT).state()).isEqualTo(InvitationState.DECLINED);
		assertThat(t.received().get(1).block(WAIT).state()).isEqualTo(InvitationState.ACCEPTED);
		Invitation third = t.received().get(2).block(WAIT);
		assertThat(third.outcome().block(WAIT)).as("the unanswered one is withdrawn")
				.isEqualTo(InvitationState.WITHDRAWN);
	}

	@Test
	void aContactOnThreeEndpointsThatDoNotAcceptAnswersDeclinedIfOneDeclinedElseExpired() {
		ThreeDevices t = threeDevices();
		t.received().get(1).flatMap(inv -> inv.decline("not now")).subscribe();

		InvitationResponse declined = t.alice().peer(t.bob()).invite(WHITEBOARD, "", null, Duration.ofMillis(500))
				.block(WAIT);
		assertThat(declined.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(declined.message()).isEqualTo("not now");
		assertThat(t.received()).allSatisfy(r -> assertThat(r.block(WAIT).outcome().block(WAIT))
				.isIn(InvitationState.DECLINED, InvitationState.EXPIRED));

		ThreeDevices silent = threeDevices();
		InvitationResponse expired = silent.alice().peer(silent.bob()).invite(WHITEBOARD, "", null,
				Duration.ofMillis(500)).block(WAIT);
		assertThat(expired.status()).isEqualTo(InvitationStatus.EXPIRED);
	}

	private static final PeerObject NOTES = new PeerObject(UUID.fromString("5f0c1d8e-0a51-4a4c-9f5e-2f8f4c6f1a01"),
			utf8("notes"), PeerScope.ALL);

	/** Bob on a laptop (BUSY, the whiteboard) and a desktop (the notes), found by a new Alice through her resolver. */
	private record TwoDevices(PeerCollaboration alice, PeerCollaboration laptop, PeerCollaboration desktop,
			List<PeerEndPoint> where, Peer bobs) {
	}

	/** @param desktopAlso what else the desktop does before Alice can find it */
	private TwoDevices twoDevices(java.util.function.Consumer<PeerCollaboration> desktopAlso) {
		List<PeerEndPoint> where = new java.util.concurrent.CopyOnWriteArrayList<>();
		PeerCollaboration a2 = endpoint(PeerIdentity.generate("alice2"),
				x -> x.nameResolver(c -> Flux.fromIterable(where).map(ep -> new io.peercollab.spi.EndpointRecord(ep,
						io.peercollab.spi.EndpointSource.of("test"), Duration.ZERO))));
		PeerCollaboration laptop = endpoint(bob);
		PeerCollaboration desktop = endpoint(bob);
		laptop.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		laptop.registerApplication(WHITEBOARD).block(WAIT);
		desktopAlso.accept(desktop);
		desktop.setObject(NOTES).block(WAIT);
		where.add(laptop.endPoints().get(0));
		where.add(desktop.endPoints().get(0));
		return new TwoDevices(a2, laptop, desktop, where,
				a2.peer(PeerContact.of(bob.name(), "bob", bob.certificate())));
	}

	@Test
	void aContactOnSeveralEndpointsListsEachWithItsOwnStateAndMergesThem() {
		TwoDevices t = twoDevices(d -> d.registerApplication(WHITEBOARD).block(WAIT));
		List<PeerEndPoint> where = t.where();
		PeerCollaboration a2 = t.alice();
		PeerCollaboration laptop = t.laptop();
		PeerCollaboration desktop = t.desktop();
		Peer bobs = t.bobs();

		// one subscriber keeps the watch open; the others join it
		List<MergedEndPoints> views = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = bobs.mergedEndPoints().subscribe(views::add);
		try {
			MergedEndPoints both = bobs.mergedEndPoints().filter(v -> v.endPoints().size() == 2
					&& v.endPoints().stream().allMatch(e -> !e.applications().isEmpty())).blockFirst(WAIT);
			assertThat(both.presence().status()).as("the most available of BUSY and ONLINE")
					.isEqualTo(PresenceStatus.ONLINE);
			assertThat(both.isOnline()).isTrue();
			assertThat(both.applications()).singleElement().satisfies(i -> {
				assertThat(i.item().id()).isEqualTo(WHITEBOARD.id());
				assertThat(i.instances()).hasSize(2);
			});
			String desktopInstance = both.endPoints().stream().filter(e -> !e.objects().isEmpty()).findFirst()
					.orElseThrow().instance();
			assertThat(both.objects()).singleElement().satisfies(i -> {
				assertThat(i.item().id()).isEqualTo(NOTES.id());
				assertThat(i.instances()).containsExactly(desktopInstance);
			});
			assertThat(both.endPoints()).extracting(e -> e.presence().status())
					.containsExactlyInAnyOrder(PresenceStatus.BUSY, PresenceStatus.ONLINE);
			assertThat(TestAccess.followerCount(engine(laptop))).as("one remote stream per endpoint, shared")
					.isEqualTo(1);

			// an endpoint that signs in later is found, and one that signs out leaves
			PeerCollaboration phone = endpoint(bob);
			phone.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
			where.add(phone.endPoints().get(0));
			TestAccess.rescanEndPoints(engine(a2), bob.name());
			bobs.mergedEndPoints().filter(v -> v.endPoints().size() == 3
					&& v.endPoints().stream().anyMatch(e -> e.presence().status() == PresenceStatus.AWAY))
					.blockFirst(WAIT);
			desktop.signOut(PeerScope.ALL).block(WAIT);
			MergedEndPoints left = bobs.mergedEndPoints().filter(v -> v.endPoints().size() == 2
					&& v.endPoints().stream().noneMatch(e -> e.instance().equals(desktopInstance))).blockFirst(WAIT);
			assertThat(left.presence().status()).as("the most available of BUSY and AWAY")
					.isEqualTo(PresenceStatus.BUSY);
			assertThat(left.isOnline()).as("no endpoint exactly ONLINE").isFalse();
			assertThat(left.objects()).isEmpty();
		}
		finally {
			watching.dispose();
		}
		assertThat(views).isNotEmpty();
	}

	@Test
	void anEndpointIsListedBeforeItsStateIsKnownThenUpdated() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		StepVerifier.create(peer(a, b).endPointChanges())
				// ADDED as soon as a connection proved the key: OFFLINE until its state arrived, unless it arrived
				// before this subscriber did (a transport that delivers synchronously)
				.assertNext(c -> assertThat(c.type()).isEqualTo(ChangeType.ADDED))
				.then(() -> b.setPresence(PresenceInfo.of(PresenceStatus.IDLE)).block(WAIT))
				// the card (names) may arrive in between
				.thenConsumeWhile(c -> c.endPoint().presence().status() != PresenceStatus.IDLE)
				.assertNext(c -> {
					assertThat(c.type()).isEqualTo(ChangeType.UPDATED);
					assertThat(c.endPoint().presence().status()).isEqualTo(PresenceStatus.IDLE);
				})
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void oneEndpointOfAContactIsFollowedByItsAddressAloneUntilItLeaves() {
		TwoDevices t = twoDevices(d -> { });
		PeerCollaboration laptop = t.laptop();
		PeerCollaboration desktop = t.desktop();
		Peer bobs = t.bobs();
		PeerEndPoint desktopAt = desktop.endPoints().get(0);

		List<RemoteEndPoint> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		StepVerifier.create(bobs.endPoint(desktopAt).doOnNext(seen::add))
				// reached, then its state (the name may come in between)
				.thenConsumeWhile(e -> e.objects().isEmpty())
				.assertNext(e -> {
					assertThat(e.objects()).extracting(PeerObject::id).containsExactly(NOTES.id());
					assertThat(e.applications()).as("the laptop's application is not the desktop's").isEmpty();
					assertThat(e.presence().status()).isEqualTo(PresenceStatus.ONLINE);
				})
				.then(() -> laptop.setPresence(PresenceInfo.of(PresenceStatus.IDLE)).block(WAIT))
				.then(() -> desktop.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT))
				.thenConsumeWhile(e -> e.presence().status() != PresenceStatus.AWAY)
				.assertNext(e -> assertThat(e.presence().status()).isEqualTo(PresenceStatus.AWAY))
				// it leaves: the stream completes
				.then(() -> desktop.signOut(PeerScope.ALL).block(WAIT))
				.thenConsumeWhile(e -> true)
				.expectComplete()
				.verify(WAIT);
		assertThat(seen).extracting(RemoteEndPoint::instance).as("one endpoint, never the laptop").containsOnly(
				seen.get(0).instance());
		assertThat(seen).extracting(e -> e.endPoint().address()).containsOnly(desktopAt.address());
		assertThat(seen).extracting(e -> e.presence().status()).doesNotContain(PresenceStatus.BUSY,
				PresenceStatus.IDLE);

		// an address where no endpoint of the contact is reached: nothing, until one is
		StepVerifier.create(bobs.endPoint(PeerEndPoint.of(new java.net.InetSocketAddress("192.0.2.1", 9))))
				.expectSubscription()
				.expectNoEvent(Duration.ofMillis(300))
				.thenCancel()
				.verify(WAIT);
		assertThatThrownBy(() -> bobs.endPoint(null)).isInstanceOf(NullPointerException.class)
				.hasMessage("endPoint");
	}

	@Test
	void anEndpointThatSendsNoStateWithinTenSecondsIsDroppedAndNotBefore() {
		// the engine's timer in virtual time: the 10 s are the test's, the 30 s rescan never comes
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		PeerCollaboration a = endpoint(alice, x -> x.transport(new StateWithholdingTransport(transport()))
				.timerScheduler(time));
		PeerCollaboration b = endpoint(bob);
		List<EndPointChange> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = peer(a, b).endPointChanges().subscribe(seen::add);
		try {
			awaitTrue(() -> !seen.isEmpty());
			assertThat(seen.get(0).type()).isEqualTo(ChangeType.ADDED);
			time.advanceTimeBy(Duration.ofMillis(9_999));
			// its card (the nickname) may have come meanwhile, as an UPDATED; its state never does
			assertThat(seen).as("still waiting for its state").allSatisfy(c -> {
				assertThat(c.type()).isNotEqualTo(ChangeType.REMOVED);
				assertThat(c.endPoint().presence()).isEqualTo(PresenceInfo.OFFLINE);
			});
			time.advanceTimeBy(Duration.ofMillis(1));
			awaitTrue(() -> seen.stream().anyMatch(c -> c.type() == ChangeType.REMOVED));
			assertThat(seen.get(seen.size() - 1).type()).isEqualTo(ChangeType.REMOVED);
			assertThat(seen.get(seen.size() - 1).endPoint().instance()).isEqualTo(seen.get(0).endPoint().instance());
		}
		finally {
			watching.dispose();
		}
	}

	@Test
	void followingAContactFollowsEveryEndpointMergedAndDropsThoseThatLeave() {
		List<PeerEndPoint> where = new java.util.concurrent.CopyOnWriteArrayList<>();
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> Flux.fromIterable(where)
				.map(ep -> new io.peercollab.spi.EndpointRecord(ep, io.peercollab.spi.EndpointSource.of("test"),
						Duration.ZERO))));
		PeerCollaboration laptop = endpoint(bob);
		PeerCollaboration desktop = endpoint(bob);
		laptop.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
		laptop.registerApplication(WHITEBOARD).block(WAIT);
		desktop.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		desktop.registerApplication(WHITEBOARD).block(WAIT);
		desktop.setObject(NOTES).block(WAIT);
		where.add(laptop.endPoints().get(0));
		where.add(desktop.endPoints().get(0));
		PeerContact contact = a.contacts().add(PeerContact.of(bob.name(), "bob", bob.certificate())
				.withSubscribed(true)).block(WAIT);
		Peer bobs = a.peer(contact);

		List<PeerEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<PresenceStatus> presences = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<String> items = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = Disposables.composite(bobs.events().subscribe(events::add),
				a.contacts().presences().filter(p -> p.name().equals(bob.name()))
						.subscribe(p -> presences.add(p.presence().status())),
				a.contacts().itemChanges().filter(i -> i.contact().equals(bob.name())).subscribe(i -> items.add(
						i.change() instanceof ObjectChange o ? o.type() + " object " + o.object().id()
								: ((ApplicationChange) i.change()).type() + " application "
										+ ((ApplicationChange) i.change()).application().id())));
		try {
			// both endpoints followed: the most available presence, the items of both, each once
			// (each endpoint's state merged in ends with Synced)
			awaitTrue(() -> events.stream().anyMatch(e -> e instanceof ObjectChange)
					&& presences.contains(PresenceStatus.BUSY) && items.size() == 2
					&& merged(events).presence().equals(PresenceInfo.of(PresenceStatus.BUSY))
					&& events.get(events.size() - 1) instanceof PeerEvent.Synced);
			assertThat(TestAccess.followerCount(engine(laptop)))
					.as("one remote stream per endpoint, shared by events(), presences() and itemChanges()").isEqualTo(1);
			assertThat(TestAccess.followerCount(engine(desktop))).isEqualTo(1);
			Followed now = merged(events);
			assertThat(now.applications()).containsOnlyKeys(WHITEBOARD.id());
			assertThat(now.objects()).containsOnlyKeys(NOTES.id());
			assertThat(items).containsExactlyInAnyOrder("ADDED application " + WHITEBOARD.id(),
					"ADDED object " + NOTES.id());

			// the desktop leaves: its presence and its object go, the application the laptop has too stays
			int before = events.size();
			desktop.signOut(PeerScope.ALL).block(WAIT);
			awaitTrue(() -> merged(events).presence().equals(PresenceInfo.of(PresenceStatus.AWAY))
					&& merged(events).objects().isEmpty() && presences.get(presences.size() - 1) == PresenceStatus.AWAY
					&& items.contains("REMOVED object " + NOTES.id()));
			assertThat(merged(events).applications()).containsOnlyKeys(WHITEBOARD.id());
			assertThat(events.subList(before, events.size())).noneMatch(e -> e instanceof ApplicationChange);
			assertThat(items).doesNotContain("REMOVED application " + WHITEBOARD.id());

			// the last local subscriber gone (the contact unfollowed, the streams cancelled), the remote stream closes
			watching.dispose();
			a.contacts().update(contact.withSubscribed(false)).block(WAIT);
			awaitTrue(() -> TestAccess.followerCount(engine(laptop)) == 0);
		}
		finally {
			watching.dispose();
		}
	}

	@Test
	void aContactsEventsFailWithNotSignedInWhenThisSideSignsOutEvenWithNoEndpointReached() {
		PeerCollaboration a = endpoint(alice);
		// a contact with no endpoint anywhere: nothing is ever reached
		Peer nowhere = a.peer(PeerContact.of(bob.name(), "bob", bob.certificate()));
		StepVerifier.create(nowhere.events())
				.expectSubscription()
				.expectNoEvent(Duration.ofMillis(200))
				.then(() -> a.signOut(PeerScope.ALL).subscribe())
				.expectError(NotSignedInException.class)
				.verify(WAIT);
		StepVerifier.create(nowhere.events()).as("signed out: at once").expectError(NotSignedInException.class)
				.verify(WAIT);
	}

	@Test
	void anEndpointThatAResolutionReturnsIsFollowedAtOnceNotAtTheNextRescan() {
		// the engine's timer in virtual time, never advanced: no rescan ever runs after the first
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		List<PeerEndPoint> where = new java.util.concurrent.CopyOnWriteArrayList<>();
		PeerCollaboration a = endpoint(alice, x -> x.timerScheduler(time).nameResolver(c -> Flux.fromIterable(where)
				.map(ep -> new io.peercollab.spi.EndpointRecord(ep, io.peercollab.spi.EndpointSource.of("test"),
						Duration.ZERO))));
		PeerCollaboration laptop = endpoint(bob);
		laptop.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
		where.add(laptop.endPoints().get(0));
		Peer bobs = a.peer(PeerContact.of(bob.name(), "bob", bob.certificate()));
		List<PeerEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = bobs.events().subscribe(events::add);
		try {
			awaitTrue(() -> events.stream().anyMatch(e -> e instanceof PeerEvent.Synced));
			PeerCollaboration phone = endpoint(bob);
			phone.setObject(NOTES).block(WAIT);
			where.add(phone.endPoints().get(0));

			// any resolution of the contact: here a read of its presence, answered by the laptop first
			long start = System.nanoTime();
			bobs.presence().block(WAIT);
			awaitTrue(() -> merged(events).objects().containsKey(NOTES.id()));
			long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			System.out.printf("a resolved endpoint followed %d ms after the resolution%n", ms);
			assertThat(merged(events).presence().status()).as("the phone's ONLINE beats the laptop's AWAY")
					.isEqualTo(PresenceStatus.ONLINE);
			assertThat(time.now(java.util.concurrent.TimeUnit.MILLISECONDS)).as("no rescan: the timer never moved")
					.isZero();
			assertThat(ms).as("well before the 30 s rescan").isLessThan(5_000);
		}
		finally {
			watching.dispose();
		}
	}

	@Test
	void anEndpointThatProvesItsNameNearMeIsFollowedAtOnceNotAtTheNextRescan() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		ScriptedDiscovery near = new ScriptedDiscovery();
		PeerCollaboration a = endpoint(alice, x -> x.timerScheduler(time).discovery(near));
		PeerCollaboration laptop = endpoint(bob);
		laptop.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
		Peer bobs = a.peer(PeerContact.of(bob.name(), "bob", bob.certificate()).withEndPoints(laptop.endPoints()));
		List<PeerEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = bobs.events().subscribe(events::add);
		try {
			awaitTrue(() -> events.stream().anyMatch(e -> e instanceof PeerEvent.Synced));
			PeerCollaboration phone = endpoint(bob);
			phone.setObject(NOTES).block(WAIT);

			long start = System.nanoTime();
			near.announce(bob.name(), "bob", phone.endPoints().get(0));
			awaitTrue(() -> merged(events).objects().containsKey(NOTES.id()));
			long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			System.out.printf("an endpoint near me followed %d ms after its announcement%n", ms);
			assertThat(merged(events).presence().status()).isEqualTo(PresenceStatus.ONLINE);
			assertThat(time.now(java.util.concurrent.TimeUnit.MILLISECONDS)).as("no rescan: the timer never moved")
					.isZero();
			assertThat(ms).as("well before the 30 s rescan").isLessThan(5_000);
		}
		finally {
			watching.dispose();
		}
	}

	/** What a follower's events say the peer shows now. */
	private record Followed(PresenceInfo presence, Map<UUID, PeerApplication> applications,
			Map<UUID, PeerObject> objects) {
	}

	private static Followed merged(List<PeerEvent> events) {
		PresenceInfo presence = PresenceInfo.OFFLINE;
		Map<UUID, PeerApplication> apps = new java.util.HashMap<>();
		Map<UUID, PeerObject> objects = new java.util.HashMap<>();
		for (PeerEvent e : events) {
			if (e instanceof PresenceChange p) {
				presence = p.type() == ChangeType.REMOVED ? PresenceInfo.OFFLINE : p.presence();
			}
			else if (e instanceof ApplicationChange x) {
				if (x.type() == ChangeType.REMOVED) {
					apps.remove(x.application().id());
				}
				else {
					apps.put(x.application().id(), x.application());
				}
			}
			else if (e instanceof ObjectChange o) {
				if (o.type() == ChangeType.REMOVED) {
					objects.remove(o.object().id());
				}
				else {
					objects.put(o.object().id(), o.object());
				}
			}
		}
		return new Followed(presence, apps, objects);
	}

	@Test
	void acceptAndDeclineCarryAMessageAndAnExtendedCodeBack() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		b.invitations().next().flatMap(inv -> inv.accept("see you there", 7)).subscribe();
		InvitationResponse accepted = peer(a, b).invite(WHITEBOARD, "", null).block(WAIT);
		assertThat(accepted.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(accepted.message()).isEqualTo("see you there");
		assertThat(accepted.extendedCode()).hasValue(7);
		assertThat(accepted.session()).isPresent();

		b.invitations().next().flatMap(inv -> inv.decline("in a meeting", -2)).subscribe();
		InvitationResponse declined = peer(a, b).invite(WHITEBOARD, "", null).block(WAIT);
		assertThat(declined.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(declined.message()).isEqualTo("in a meeting");
		assertThat(declined.extendedCode()).hasValue(-2);

		b.invitations().next().flatMap(inv -> inv.decline("no")).subscribe();
		assertThat(peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).extendedCode()).isEmpty();
		Mono<Invitation> pending = b.invitations().next().cache();
		pending.subscribe();
		SentInvitation sent = peer(a, b).send(WHITEBOARD, "", null, WAIT);
		StepVerifier.create(pending.flatMap(inv -> inv.accept("x".repeat(256), null)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("message must be at most 255 characters, was 256"))
				.verify(WAIT);
		assertThat(pending.block(WAIT).state()).as("still pending").isEqualTo(InvitationState.PENDING);
		sent.cancel();
	}

	@Test
	void anInvitationCancelledBeforeDeliveryIsNeverSeenAndItsSenderSeesCancelled() {
		reactor.core.publisher.Sinks.One<PeerEndPoint> found = reactor.core.publisher.Sinks.one();
		PeerCollaboration a = endpoint(alice, x -> x.nameResolver(c -> found.asMono().flux()
				.map(ep -> new io.peercollab.spi.EndpointRecord(ep, io.peercollab.spi.EndpointSource.of("test"),
						Duration.ZERO))));
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		List<Invitation> received = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable receiving = b.invitations().subscribe(received::add);
		try {
			Peer bobs = a.peer(PeerContact.of(bob.name(), "bob", bob.certificate()));
			SentInvitation sent = bobs.send(WHITEBOARD, "first", null, WAIT);
			// still looking Bob up: not delivered
			assertThat(sent.cancel()).isTrue();
			assertThat(sent.cancel()).as("once").isFalse();
			StepVerifier.create(sent.response())
					.assertNext(r -> assertThat(r.status()).isEqualTo(InvitationStatus.CANCELLED))
					.verifyComplete();
			found.tryEmitValue(b.endPoints().get(0));

			// a second invitation, once Bob is found, is delivered: the first one never was
			SentInvitation second = bobs.send(WHITEBOARD, "second", null, WAIT);
			Flux.interval(Duration.ofMillis(5)).filter(t -> !received.isEmpty()).blockFirst(WAIT);
			assertThat(received).extracting(Invitation::message).containsExactly("second");
			second.cancel();
		}
		finally {
			receiving.dispose();
		}
	}

	@Test
	void anInvitationCancelledWhilePendingIsWithdrawnThereAndCancelledHere() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.subscribe();

		SentInvitation sent = peer(a, b).send(WHITEBOARD, "", null, WAIT);
		Invitation inv = received.block(WAIT);
		assertThat(inv.state()).isEqualTo(InvitationState.PENDING);
		assertThat(sent.cancel()).isTrue();

		assertThat(sent.response().block(WAIT).status()).isEqualTo(InvitationStatus.CANCELLED);
		assertThat(inv.outcome().block(WAIT)).isEqualTo(InvitationState.WITHDRAWN);
		StepVerifier.create(inv.accept()).expectError(InvitationClosedException.class).verify(WAIT);
		assertThat(sent.response().block(WAIT).status()).as("replayed, unchanged")
				.isEqualTo(InvitationStatus.CANCELLED);
	}

	@Test
	void anInvitationCancelledAfterItsAnswerKeepsTheAnswer() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.flatMap(inv -> inv.decline("later", 3)).subscribe();

		SentInvitation sent = peer(a, b).send(WHITEBOARD, "", null, WAIT);
		InvitationResponse answer = sent.response().block(WAIT);
		assertThat(answer.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(sent.cancel()).isFalse();
		assertThat(sent.response().block(WAIT)).as("exactly once: the answer stays").isSameAs(answer);
		assertThat(received.block(WAIT).outcome().block(WAIT)).isEqualTo(InvitationState.DECLINED);
	}

	@Test
	void anApplicationInvitesAsItselfWithoutNamingItsRegistration() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		RegisteredApplication mine = a.application(WHITEBOARD.id());
		StepVerifier.create(mine.invite(peer(a, b), "", null))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining(WHITEBOARD.id().toString()))
				.verify(WAIT);

		a.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.flatMap(Invitation::accept).subscribe();
		InvitationResponse r = mine.invite(peer(a, b), "as myself", utf8("d")).block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		Invitation inv = received.block(WAIT);
		assertThat(inv.application().id()).isEqualTo(WHITEBOARD.id());
		assertThat(inv.message()).isEqualTo("as myself");
		assertThat(inv.data()).isEqualTo(utf8("d"));
	}

	@Test
	void theApplicationThisProgramRegisteredIsItsCurrentOne() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		StepVerifier.create(a.currentApplication()).as("none registered")
				.expectError(NotFoundException.class).verify(WAIT);

		a.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.flatMap(Invitation::accept).subscribe();
		InvitationResponse r = a.currentApplication().flatMap(me -> me.invite(peer(a, b), "as myself", null))
				.block(WAIT);
		assertThat(r.status()).isEqualTo(InvitationStatus.ACCEPTED);
		assertThat(received.block(WAIT).application().id()).isEqualTo(WHITEBOARD.id());

		a.registerApplication(PeerApplication.of(UUID.randomUUID(), "Chat", PeerScope.ALL)).block(WAIT);
		StepVerifier.create(a.currentApplication()).as("several: name one")
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NotFoundException.class)
						.hasMessageContaining("application(id)"))
				.verify(WAIT);
	}

	@Test
	void cancellingAnInvitationWithdrawsIt() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.subscribe();

		Disposable sending = peer(a, b).invite(WHITEBOARD, "", null).subscribe();
		Invitation inv = received.block(WAIT);
		assertThat(inv.state()).isEqualTo(InvitationState.PENDING);
		sending.dispose();

		assertThat(inv.outcome().block(WAIT)).isEqualTo(InvitationState.WITHDRAWN);
		StepVerifier.create(inv.accept())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvitationClosedException.class)
						.hasMessageContaining("WITHDRAWN"))
				.verify(WAIT);
	}

	@Test
	void oversizedInvitationIsRefusedBeforeAnythingIsSent() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		List<Invitation> shown = new ArrayList<>();
		Disposable d = b.invitations().subscribe(shown::add);

		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", new byte[20 * 1024]))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("data must be at most 16384 bytes, was 20480"))
				.verify(WAIT);
		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "x".repeat(300), null))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("message must be at most 255 characters, was 300"))
				.verify(WAIT);
		StepVerifier.create(peer(a, b).invite(WHITEBOARD, "", null, Duration.ofSeconds(-1)))
				.expectErrorSatisfies(e -> assertThat(e).as("a negative expiry is a programming error")
						.isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("expiry"))
				.verify(WAIT);
		assertThat(shown).isEmpty();
		d.dispose();
	}

	@Test
	void aTooLongDeclineOrTooLargeSessionMessageIsATypedErrorAndNothingIsSent() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.subscribe();
		Mono<InvitationResponse> answer = peer(a, b).invite(WHITEBOARD, "", null).cache();
		answer.subscribe();
		Invitation inv = received.block(WAIT);

		StepVerifier.create(inv.decline("n".repeat(300)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("message must be at most 255 characters, was 300"))
				.verify(WAIT);
		assertThat(inv.state()).as("a refused answer leaves the invitation pending").isEqualTo(InvitationState.PENDING);

		inv.accept().subscribe();
		CollaborationSession host = answer.block(WAIT).session().orElseThrow();
		StepVerifier.create(host.send(new byte[SessionMessage.MAX_DATA_LENGTH + 1]))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessageContaining(String.valueOf(SessionMessage.MAX_DATA_LENGTH)))
				.verify(WAIT);
	}

	@Test
	void aTooLongNicknameOrContactFieldIsATypedError() {
		PeerCollaboration a = endpoint(alice);

		StepVerifier.create(a.setNickname("n".repeat(64)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("nickname must be at most 63 characters, was 64"))
				.verify(WAIT);
		StepVerifier.create(a.contacts().updateMe("n".repeat(300), "", ""))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
						.hasMessage("nickname must be at most 255 characters, was 300"))
				.verify(WAIT);
		StepVerifier.create(a.contacts().updateMe("", "", "not an address"))
				.expectErrorSatisfies(e -> assertThat(e).isExactlyInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("email"))
				.verify(WAIT);
		assertThatThrownBy(() -> a.setPresence(new PresenceInfo(PresenceStatus.BUSY, "t".repeat(300))))
				.isInstanceOf(PayloadTooLargeException.class)
				.hasMessage("text must be at most 255 characters, was 300");
	}

	@Test
	void invitationsBeyondTheRateLimitAreRefusedNamingTheLimit() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob, x -> x.invitationsPerPeerPerMinute(3));
		Peer bobPeer = peer(a, b);
		for (int i = 0; i < 3; i++) {
			assertThat(bobPeer.invite(WHITEBOARD, "", null).block(WAIT).status()).isEqualTo(InvitationStatus.DECLINED);
		}
		StepVerifier.create(bobPeer.invite(WHITEBOARD, "", null))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
						.hasMessageContaining("invitationsPerPeerPerMinute (3)"))
				.verify(WAIT);
	}

	@Test
	void crossingInvitationsEndInOneSessionHostedByTheLowerName() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		a.registerApplication(WHITEBOARD).block(WAIT);
		b.registerApplication(WHITEBOARD).block(WAIT);
		PeerCollaboration low = a.name().compareTo(b.name()) < 0 ? a : b;
		PeerCollaboration high = low == a ? b : a;

		// the higher one invites first and its invitation waits at the lower one; then the lower one invites back
		List<Invitation> atLow = new ArrayList<>();
		Disposable d = low.invitations().subscribe(atLow::add);
		Mono<InvitationResponse> fromHigh = peer(high, low).invite(WHITEBOARD, "", null).cache();
		fromHigh.subscribe();
		Mono<Invitation> atHigh = high.invitations().next().cache();
		atHigh.subscribe();
		awaitTrue(() -> atLow.size() == 1);

		Mono<InvitationResponse> fromLow = peer(low, high).invite(WHITEBOARD, "", null).cache();
		fromLow.subscribe();

		InvitationResponse highAnswer = fromHigh.block(WAIT);
		assertThat(highAnswer.status()).isEqualTo(InvitationStatus.DECLINED);
		assertThat(highAnswer.message()).contains("crossing");
		Invitation survivor = atHigh.block(WAIT);
		assertThat(survivor.sender()).isEqualTo(low.name());
		survivor.accept().subscribe();
		assertThat(fromLow.block(WAIT).status()).isEqualTo(InvitationStatus.ACCEPTED);
		d.dispose();
	}

	// ----- identity --------------------------------------------------------------------------------------------------

	@Test
	void anEndpointThatCannotProveTheExpectedNameIsRefused() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		Peer impostor = a.peer(carol.name(), b.endPoints().get(0));
		StepVerifier.create(impostor.presence())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerIdentityMismatchException.class)
						.hasMessageContaining(carol.name().toString()))
				.verify(WAIT);
	}

	// ----- reads and scopes ------------------------------------------------------------------------------------------

	@Test
	void strangersSeeNearMeItemsAndAllowedContactsAlsoInternetItems() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		UUID near = UUID.randomUUID();
		UUID internet = UUID.randomUUID();
		UUID all = UUID.randomUUID();
		UUID none = UUID.randomUUID();
		b.setObject(new PeerObject(near, utf8("n"), PeerScope.NEAR_ME)).block(WAIT);
		b.setObject(new PeerObject(internet, utf8("i"), PeerScope.INTERNET)).block(WAIT);
		b.setObject(new PeerObject(all, utf8("a"), PeerScope.ALL)).block(WAIT);
		b.setObject(new PeerObject(none, utf8("x"), PeerScope.NONE)).block(WAIT);
		b.registerApplication(WHITEBOARD).block(WAIT);
		b.setPresence(new PresenceInfo(PresenceStatus.BUSY, "in a meeting")).block(WAIT);
		Peer bobPeer = peer(a, b);

		assertThat(bobPeer.objects().map(PeerObject::id).collectList().block(WAIT)).containsExactlyInAnyOrder(near, all);
		assertThat(bobPeer.presence().block(WAIT)).isEqualTo(new PresenceInfo(PresenceStatus.BUSY, "in a meeting"));
		PeerApplication seen = bobPeer.applications().single().block(WAIT);
		assertThat(seen.id()).isEqualTo(WHITEBOARD.id());
		assertThat(seen.path()).as("launch details never leave the machine").isEmpty();
		assertThat(seen.arguments()).isEmpty();

		PeerContact aliceContact = PeerContact.of(alice.name(), "Alice", alice.certificate());
		b.contacts().add(aliceContact).block(WAIT);
		assertThat(bobPeer.objects().map(PeerObject::id).collectList().block(WAIT))
				.containsExactlyInAnyOrder(near, internet, all);

		b.contacts().update(aliceContact.withSubscribeAllowed(SubscribeAllowed.BLOCKED)).block(WAIT);
		assertThat(bobPeer.objects().map(PeerObject::id).collectList().block(WAIT)).containsExactlyInAnyOrder(near, all);
	}

	@Test
	void oneApplicationOrObjectIsReadByIdAndOnlyIfShown() throws Exception {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		UUID shown = UUID.randomUUID();
		UUID hidden = UUID.randomUUID();
		b.setObject(new PeerObject(shown, utf8("s"), PeerScope.ALL)).block(WAIT);
		b.setObject(new PeerObject(hidden, utf8("h"), PeerScope.NONE)).block(WAIT);
		b.setObject(PeerObject.userPicture(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1}, PeerScope.ALL))
				.block(WAIT);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Peer bobPeer = peer(a, b);

		assertThat(bobPeer.object(shown).map(o -> new String(o.data(), StandardCharsets.UTF_8)).block(WAIT))
				.isEqualTo("s");
		assertThat(bobPeer.object(PeerObject.USER_PICTURE_ID).block(WAIT).data()).hasSize(4);
		StepVerifier.create(bobPeer.object(hidden)).verifyComplete();
		StepVerifier.create(bobPeer.object(UUID.randomUUID())).verifyComplete();
		assertThat(bobPeer.application(WHITEBOARD.id()).block(WAIT).description()).isEqualTo(WHITEBOARD.description());
		StepVerifier.create(bobPeer.application(UUID.randomUUID())).verifyComplete();
	}

	@Test
	void presenceHasNoScopeOfItsOwnAndIsShownWhereverTheEndpointIsSignedIn() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		PresenceInfo busy = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
		b.setPresence(busy).block(WAIT);
		Peer bobPeer = peer(a, b);
		assertThat(bobPeer.presence().block(WAIT)).as("a stranger near me, Bob signed in to ALL").isEqualTo(busy);

		b.signOut(PeerScope.NEAR_ME).block(WAIT);
		b.setPresence(busy).block(WAIT);
		assertThat(bobPeer.presence().block(WAIT)).as("a stranger, Bob signed in to INTERNET only")
				.isEqualTo(PresenceInfo.OFFLINE);

		PeerContact aliceContact = PeerContact.of(alice.name(), "Alice", alice.certificate());
		b.contacts().add(aliceContact).block(WAIT);
		assertThat(bobPeer.presence().block(WAIT)).as("an allowed contact, Bob signed in to INTERNET only")
				.isEqualTo(busy);

		b.contacts().update(aliceContact.withSubscribeAllowed(SubscribeAllowed.BLOCKED)).block(WAIT);
		assertThat(bobPeer.presence().block(WAIT)).as("a blocked contact is a stranger").isEqualTo(PresenceInfo.OFFLINE);
	}

	@Test
	void contactCreatedFromAPeerCarriesItsProvenNameAndCertificate() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		PeerContact contact = a.contacts().createContact(peer(a, b)).block(WAIT);
		assertThat(contact.name()).isEqualTo(b.name());
		assertThat(contact.certificate()).isEqualTo(bob.certificate());
		assertThat(contact.endPoints()).isEqualTo(b.endPoints());
		assertThat(a.contacts().find(b.name()).block(WAIT)).isEqualTo(contact);
	}

	// ----- follow ----------------------------------------------------------------------------------------------------

	@Test
	void followingAPeerEmitsItsStateThenEveryChange() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		UUID obj = UUID.randomUUID();

		StepVerifier.create(peer(a, b).events())
				.assertNext(e -> assertThat(e).isEqualTo(new PresenceChange(ChangeType.ADDED, PresenceInfo.ONLINE,
						e.version())))
				.assertNext(e -> assertThat(e).isInstanceOf(PeerEvent.Synced.class))
				.then(() -> b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class, p -> {
					assertThat(p.type()).isEqualTo(ChangeType.UPDATED);
					assertThat(p.presence().status()).isEqualTo(PresenceStatus.BUSY);
				}))
				.then(() -> b.setObject(new PeerObject(obj, utf8("v1"), PeerScope.ALL)).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(ObjectChange.class,
						o -> assertThat(o.type()).isEqualTo(ChangeType.ADDED)))
				.then(() -> b.setObject(new PeerObject(obj, utf8("v2"), PeerScope.NONE)).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(ObjectChange.class,
						o -> assertThat(o.type()).as("an object that stops being visible is REMOVED")
								.isEqualTo(ChangeType.REMOVED)))
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void followerResumesAfterALostConnectionWithNothingLostAndNothingRepeated() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		UUID kept = UUID.randomUUID();
		UUID dropped = UUID.randomUUID();
		b.setObject(new PeerObject(kept, utf8("k"), PeerScope.ALL)).block(WAIT);
		b.setObject(new PeerObject(dropped, utf8("d"), PeerScope.ALL)).block(WAIT);

		StepVerifier.create(peer(a, b).events())
				.expectNextCount(3) // presence, two objects
				.assertNext(e -> assertThat(e).isInstanceOf(PeerEvent.Synced.class))
				.then(() -> {
					TestAccess.cutConnection(engine(a), engine(b));
					b.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
					b.deleteObject(dropped).block(WAIT);
				})
				.recordWith(ArrayList::new)
				.thenConsumeWhile(e -> !(e instanceof PeerEvent.Synced))
				.consumeRecordedWith(events -> {
					// only what changed; whether it came live or through the resume snapshot, once each
					assertThat(events).filteredOn(e -> !(e instanceof PeerEvent.Synced)).hasSize(2);
					assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class,
							p -> assertThat(p.presence().status()).isEqualTo(PresenceStatus.AWAY)));
					assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ObjectChange.class, o -> {
						assertThat(o.type()).isEqualTo(ChangeType.REMOVED);
						assertThat(o.object().id()).isEqualTo(dropped);
					}));
				})
				.then(() -> b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT))
				.assertNext(e -> assertThat(e).isInstanceOfSatisfying(PresenceChange.class,
						p -> assertThat(p.presence().status()).isEqualTo(PresenceStatus.BUSY)))
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void followedContactsPresenceIsKeptCurrentWhileSignedInToInternet() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
		PeerContact bobContact = PeerContact.of(bob.name(), "Bob", bob.certificate()).withEndPoints(b.endPoints());

		StepVerifier.create(a.contacts().presences().filter(p -> p.name().equals(b.name())))
				.then(() -> a.contacts().add(bobContact.withSubscribed(true)).block(WAIT))
				.expectNextMatches(p -> p.presence().status() == PresenceStatus.OFFLINE)
				.expectNextMatches(p -> p.presence().status() == PresenceStatus.ONLINE)
				.then(() -> b.setPresence(new PresenceInfo(PresenceStatus.BUSY, "meeting")).block(WAIT))
				.expectNextMatches(p -> p.presence().equals(new PresenceInfo(PresenceStatus.BUSY, "meeting")))
				.then(() -> a.signOut(PeerScope.INTERNET).block(WAIT))
				.as("still signed in near me: the contact is still followed")
				.expectNoEvent(Duration.ofMillis(300))
				.then(() -> a.signOut(PeerScope.ALL).block(WAIT))
				.expectNextMatches(p -> p.presence().status() == PresenceStatus.OFFLINE)
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void everyFollowedContactsApplicationsAndObjectsComeThroughOneStream() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		PeerCollaboration c = endpoint(carol);
		UUID card = UUID.randomUUID();
		b.setObject(new PeerObject(card, utf8("b1"), PeerScope.ALL)).block(WAIT);
		c.registerApplication(WHITEBOARD).block(WAIT);
		PeerContact bobContact = PeerContact.of(bob.name(), "Bob", bob.certificate()).withEndPoints(b.endPoints())
				.withSubscribed(true);
		PeerContact carolContact = PeerContact.of(carol.name(), "Carol", carol.certificate())
				.withEndPoints(c.endPoints()).withSubscribed(true);

		StepVerifier.create(a.contacts().itemChanges().map(MixedItems::describe))
				.then(() -> {
					a.contacts().add(bobContact).block(WAIT);
					a.contacts().add(carolContact).block(WAIT);
				})
				.recordWith(java.util.HashSet::new)
				.expectNextCount(2)
				.consumeRecordedWith(first -> assertThat(first).containsExactlyInAnyOrder(
						"ADDED " + b.name() + " object " + card, "ADDED " + c.name() + " application " + WHITEBOARD.id()))
				.then(() -> b.setObject(new PeerObject(card, utf8("b2"), PeerScope.ALL)).block(WAIT))
				.expectNext("UPDATED " + b.name() + " object " + card)
				.then(() -> c.unregisterApplication(WHITEBOARD.id()).block(WAIT))
				.expectNext("REMOVED " + c.name() + " application " + WHITEBOARD.id())
				.then(() -> a.contacts().update(bobContact.withSubscribed(false)).block(WAIT))
				.as("an unfollowed contact's items are removed")
				.expectNext("REMOVED " + b.name() + " object " + card)
				.thenCancel()
				.verify(WAIT);
		// a subscriber that comes later gets what is known now first
		c.registerApplication(WHITEBOARD).block(WAIT);
		StepVerifier.create(a.contacts().itemChanges().map(MixedItems::describe))
				.expectNext("ADDED " + c.name() + " application " + WHITEBOARD.id())
				.thenCancel()
				.verify(WAIT);
	}

	/** Describes a {@link io.peercollab.contact.ContactItemChange} as one comparable line. */
	private static final class MixedItems {

		static String describe(io.peercollab.contact.ContactItemChange change) {
			if (change.change() instanceof ApplicationChange app) {
				return app.type() + " " + change.contact() + " application " + app.application().id();
			}
			ObjectChange object = (ObjectChange) change.change();
			return object.type() + " " + change.contact() + " object " + object.object().id();
		}
	}

	@Test
	void aFollowedContactIsFollowedWhileSignedInNearMeOnly() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		a.signOut(PeerScope.INTERNET).block(WAIT);
		b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
		PeerContact bobContact = PeerContact.of(bob.name(), "Bob", bob.certificate()).withEndPoints(b.endPoints())
				.withSubscribed(true);
		a.contacts().add(bobContact).block(WAIT);

		StepVerifier.create(a.contacts().presences().filter(p -> p.name().equals(b.name()))
				.map(p -> p.presence().status()).skipUntil(st -> st != PresenceStatus.OFFLINE))
				.expectNext(PresenceStatus.ONLINE)
				.thenCancel()
				.verify(WAIT);
		// peer(contact).events() tells the same
		StepVerifier.create(a.peer(bobContact).events().ofType(PresenceChange.class).take(1))
				.assertNext(p -> assertThat(p.presence().status()).isEqualTo(PresenceStatus.ONLINE))
				.verifyComplete();
	}

	@Test
	void aFollowedPeerWhoseProcessDiesReadsOfflineInsteadOfKeepingItsLastPresence() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.contacts().add(PeerContact.of(alice.name(), "Alice", alice.certificate())).block(WAIT);
		b.setPresence(new PresenceInfo(PresenceStatus.BUSY, "meeting")).block(WAIT);
		PeerContact bobContact = PeerContact.of(bob.name(), "Bob", bob.certificate()).withEndPoints(b.endPoints())
				.withSubscribed(true);
		a.contacts().add(bobContact).block(WAIT);
		List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		Disposable watching = Flux.merge(
				a.contacts().presences().filter(p -> p.name().equals(b.name())).map(p -> "presences "
						+ p.presence().status()),
				peer(a, b).events().ofType(PresenceChange.class).map(p -> "events " + p.type() + " "
						+ p.presence().status()))
				.subscribe(seen::add);
		try {
			awaitTrue(() -> seen.containsAll(List.of("presences BUSY", "events ADDED BUSY")));
			int before = seen.size();

			TestAccess.crashTransport(engine(b));
			awaitTrue(() -> seen.size() >= before + 2);
			assertThat(List.copyOf(seen).subList(before, before + 2)).containsExactlyInAnyOrder("presences OFFLINE",
					"events REMOVED BUSY");
		}
		finally {
			watching.dispose();
		}
	}

	// ----- sessions --------------------------------------------------------------------------------------------------

	@Test
	void membersOfOneHostedSessionAllHearEachOther() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		PeerCollaboration c = endpoint(carol);
		b.registerApplication(WHITEBOARD).block(WAIT);
		c.registerApplication(WHITEBOARD).block(WAIT);
		Mono<CollaborationSession> bobSession = b.invitations().next().flatMap(Invitation::accept).cache();
		Mono<CollaborationSession> carolSession = c.invitations().next().flatMap(Invitation::accept).cache();
		bobSession.subscribe();
		carolSession.subscribe();

		CollaborationSession host = peer(a, b).invite(WHITEBOARD, "", null).block(WAIT).session().orElseThrow();
		CollaborationSession host2 = peer(a, c).invite(WHITEBOARD, "", null).block(WAIT).session().orElseThrow();
		assertThat(host2).isSameAs(host);
		awaitTrue(() -> host.members().size() == 2);

		bobSession.block(WAIT).send(utf8("from bob")).block(WAIT);
		StepVerifier.create(carolSession.block(WAIT).receive().take(1))
				.assertNext(m -> {
					assertThat(m.from()).isEqualTo(b.name());
					assertThat(m.text()).isEqualTo("from bob");
				})
				.verifyComplete();
		StepVerifier.create(host.receive().take(1))
				.assertNext(m -> assertThat(m.from()).isEqualTo(b.name()))
				.verifyComplete();
	}

	@Test
	void closingTheMemberSideCompletesTheHostSide() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		Session session = openSession(a, b);
		CollaborationSession host = session.host();
		CollaborationSession member = session.member();

		member.send(utf8("bye")).block(WAIT);
		member.dispose();
		StepVerifier.create(host.receive())
				.assertNext(m -> assertThat(m.text()).isEqualTo("bye"))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(host.onClose()).expectComplete().verify(WAIT);
	}

	@Test
	void aSessionWhoseHostDiesFailsWithPeerUnreachableAfterWhatItBuffered() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		Session session = openSession(a, b);
		CollaborationSession host = session.host();
		CollaborationSession member = session.member();
		host.send(utf8("last words")).block(WAIT);

		StepVerifier.create(member.receive())
				.assertNext(m -> assertThat(m.text()).isEqualTo("last words"))
				.then(() -> TestAccess.crashTransport(engine(a)))
				.expectError(PeerUnreachableException.class)
				.verify(WAIT);
		StepVerifier.create(member.onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
	}

	@Test
	void aHostSessionWhoseLastMemberDiesFailsWithPeerUnreachable() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		CollaborationSession host = openSession(a, b).host();

		TestAccess.crashTransport(engine(b));
		StepVerifier.create(host.receive()).expectError(PeerUnreachableException.class).verify(WAIT);
		StepVerifier.create(host.onClose()).expectError(PeerUnreachableException.class).verify(WAIT);
		assertThat(host.members()).isEmpty();
	}

	@Test
	void tenThousandSessionMessagesArriveInOrder() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		Session session = openSession(a, b);
		CollaborationSession host = session.host();
		CollaborationSession member = session.member();

		int n = 10_000;
		host.send(Flux.range(0, n).map(i -> utf8(Integer.toString(i)))).subscribe();
		StepVerifier.create(member.receive().take(n).map(SessionMessage::text).index())
				.thenConsumeWhile(t -> t.getT2().equals(Long.toString(t.getT1())))
				.expectComplete()
				.verify(Duration.ofSeconds(60));
	}

	// ----- sign-out --------------------------------------------------------------------------------------------------

	@Test
	void aSignedOutPeerIsUnreachable() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		Peer bobPeer = peer(a, b);
		assertThat(bobPeer.presence().block(WAIT)).isEqualTo(PresenceInfo.ONLINE);
		b.signOut(PeerScope.ALL).block(WAIT);
		StepVerifier.create(bobPeer.presence()).expectError(PeerUnreachableException.class).verify(WAIT);
	}

	@Test
	void signingOutDeclinesTheInvitationsStillWaitingForAnAnswer() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		b.registerApplication(WHITEBOARD).block(WAIT);
		Mono<Invitation> received = b.invitations().next().cache();
		received.subscribe();
		Mono<InvitationResponse> answer = peer(a, b).invite(WHITEBOARD, "still there?", null).cache();
		answer.subscribe(r -> {
		}, e -> {
		});
		Invitation waiting = received.block(WAIT);

		b.signOut(PeerScope.ALL).block(WAIT);
		StepVerifier.create(answer)
				.assertNext(r -> {
					assertThat(r.status()).isEqualTo(InvitationStatus.DECLINED);
					assertThat(r.message()).isEqualTo("bob signed out");
				})
				.verifyComplete();
		assertThat(waiting.state()).isEqualTo(InvitationState.DECLINED);
	}

	protected static void awaitTrue(java.util.function.BooleanSupplier condition) {
		Mono.fromCallable(condition::getAsBoolean)
				.filter(Boolean::booleanValue)
				.repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(10)))
				.timeout(WAIT)
				.block();
	}
}
