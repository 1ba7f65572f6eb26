// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.engine.TestAccess;
import io.peercollab.local.InMemoryPeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

/**
 * Every local subscriber of {@code Peer.events()} for one followed peer shares one remote stream: the publisher serves
 * one follower however many subscribe, the last cancel closes it, a late subscriber starts from the current state,
 * and an error reaches them all.
 */
class SharedFollowTest {

	static final Duration WAIT = Duration.ofSeconds(10);
	static final int SUBSCRIBERS = 5;
	static PeerIdentity alice;
	static PeerIdentity bob;

	private final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();
	private final List<Disposable> subscriptions = new ArrayList<>();

	@BeforeAll
	static void identities() {
		alice = PeerIdentity.generate("alice");
		bob = PeerIdentity.generate("bob");
	}

	@AfterEach
	void close() {
		subscriptions.forEach(Disposable::dispose);
		Flux.fromIterable(open).flatMap(PeerCollaboration::close).then().block(WAIT);
	}

	private PeerCollaboration endpoint(PeerIdentity id) {
		PeerCollaboration c = PeerCollaboration.builder().identity(id).transport(network.transport())
				.discovery(new NoPeersDiscovery()).build();
		open.add(c);
		c.signIn(PeerScope.ALL).block(WAIT);
		return c;
	}

	private static Peer peer(PeerCollaboration from, PeerCollaboration to) {
		return from.peer(to.name(), to.endPoints().get(0));
	}

	private static void awaitTrue(String what, BooleanSupplier condition) {
		Mono.fromCallable(condition::getAsBoolean)
				.filter(Boolean::booleanValue)
				.repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(10)))
				.timeout(WAIT, Mono.error(() -> new AssertionError("timed out waiting for " + what)))
				.block();
	}

	/** The events one subscriber has seen, as short strings. */
	private List<String> follow(Peer peer, List<Throwable> errors) {
		List<String> seen = new CopyOnWriteArrayList<>();
		subscriptions.add(peer.events().map(SharedFollowTest::describe).subscribe(seen::add, errors::add));
		return seen;
	}

	static String describe(PeerEvent e) {
		if (e instanceof PresenceChange p) {
			return "presence " + p.type() + " " + p.presence().status();
		}
		if (e instanceof ObjectChange o) {
			return "object " + o.type() + " " + new String(o.object().data(), StandardCharsets.UTF_8);
		}
		if (e instanceof ApplicationChange a) {
			return "application " + a.type() + " " + a.application().id();
		}
		return "synced";
	}

	@Test
	void manySubscribersToOnePeerOpenOneRemoteStreamThatTheLastCancelCloses() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		List<List<String>> seen = new ArrayList<>();
		for (int i = 0; i < SUBSCRIBERS; i++) {
			// each through a handle of its own: what is shared is the followed peer, not the handle
			seen.add(follow(peer(a, b), errors));
		}
		awaitTrue("every subscriber in sync", () -> seen.stream().allMatch(s -> s.contains("synced")));
		assertThat(TestAccess.followerCount(b)).as("remote streams the publisher serves").isEqualTo(1);
		for (List<String> s : seen) {
			assertThat(s).containsExactly("presence ADDED ONLINE", "synced");
		}

		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		awaitTrue("the change at every subscriber", () -> seen.stream().allMatch(s -> s.size() == 3));
		for (List<String> s : seen) {
			assertThat(s).containsExactly("presence ADDED ONLINE", "synced", "presence UPDATED BUSY");
		}

		for (int i = 0; i < SUBSCRIBERS - 1; i++) {
			subscriptions.get(i).dispose();
		}
		b.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
		awaitTrue("the change at the last subscriber", () -> seen.get(SUBSCRIBERS - 1).size() == 4);
		assertThat(TestAccess.followerCount(b)).as("the stream stays while one subscriber is left").isEqualTo(1);
		assertThat(seen.get(0)).as("a cancelled subscriber gets nothing more").hasSize(3);

		subscriptions.get(SUBSCRIBERS - 1).dispose();
		awaitTrue("the remote stream closed", () -> TestAccess.followerCount(b) == 0);
		assertThat(errors).isEmpty();

		// the next subscriber opens a new one, from the current state
		List<String> again = follow(peer(a, b), errors);
		awaitTrue("a new stream in sync", () -> again.contains("synced"));
		assertThat(again).containsExactly("presence ADDED AWAY", "synced");
		assertThat(TestAccess.followerCount(b)).isEqualTo(1);
	}

	@Test
	void aLateSubscriberGetsTheCurrentStateFirstThenTheChangesWithTheOthers() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		List<String> early = follow(peer(a, b), errors);
		awaitTrue("the first subscriber in sync", () -> early.contains("synced"));
		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		b.setObject(new PeerObject(UUID.randomUUID(), "board".getBytes(StandardCharsets.UTF_8), PeerScope.ALL))
				.block(WAIT);
		awaitTrue("the changes at the first subscriber", () -> early.size() == 4);

		Peer late = peer(a, b);
		StepVerifier.create(late.events().map(SharedFollowTest::describe))
				.expectNextMatches(s -> s.equals("presence ADDED BUSY") || s.equals("object ADDED board"))
				.expectNextMatches(s -> s.equals("presence ADDED BUSY") || s.equals("object ADDED board"))
				.expectNext("synced")
				.then(() -> {
					assertThat(TestAccess.followerCount(b)).as("the late subscriber joined the open stream")
							.isEqualTo(1);
					assertThat(((PeerNearMe) late).isVerified()).isTrue();
					b.setPresence(PresenceInfo.of(PresenceStatus.AWAY)).block(WAIT);
				})
				.expectNext("presence UPDATED AWAY")
				.thenCancel()
				.verify(WAIT);
		awaitTrue("the change at the first subscriber", () -> early.size() == 5);
		assertThat(early).containsExactly("presence ADDED ONLINE", "synced", "presence UPDATED BUSY",
				"object ADDED board", "presence UPDATED AWAY");
		assertThat(TestAccess.followerCount(b)).isEqualTo(1);
		assertThat(errors).isEmpty();
	}

	@Test
	void anErrorOfTheSharedStreamReachesEverySubscriber() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		List<List<String>> seen = new ArrayList<>();
		for (int i = 0; i < SUBSCRIBERS; i++) {
			seen.add(follow(peer(a, b), errors));
		}
		awaitTrue("every subscriber in sync", () -> seen.stream().allMatch(s -> s.contains("synced")));

		a.signOut(PeerScope.ALL).block(WAIT);
		awaitTrue("an error at every subscriber", () -> errors.size() == SUBSCRIBERS);
		assertThat(errors).allSatisfy(e -> assertThat(e).isInstanceOf(NotSignedInException.class));
		awaitTrue("the remote stream closed", () -> TestAccess.followerCount(b) == 0);
	}

	@Test
	void aSlowSubscriberHoldsBackNeitherTheOthersNorItselfFromTheLatestState() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		List<String> fast = follow(peer(a, b), errors);
		awaitTrue("the fast subscriber in sync", () -> fast.contains("synced"));
		int changes = 3_000; // past the 1,024 events a subscriber's queue holds before they are merged
		String last = "change " + changes;

		StepVerifier.create(peer(a, b).events(), 2)
				.expectNextCount(2) // presence, synced
				.then(() -> {
					for (int n = 1; n <= changes; n++) {
						b.setPresence(new PresenceInfo(n % 2 == 0 ? PresenceStatus.BUSY : PresenceStatus.AWAY,
								"change " + n)).block(WAIT);
					}
					awaitTrue("every change at the fast subscriber", () -> fast.size() == 2 + changes);
				})
				.thenRequest(Long.MAX_VALUE)
				.recordWith(ArrayList::new)
				.thenConsumeWhile(e -> !(e instanceof PresenceChange p && p.presence().text().equals(last)))
				.consumeRecordedWith(merged -> {
					assertThat(merged).as("intermediate changes merged").hasSizeLessThan(changes / 2);
					assertThat(merged).as("a merged queue ends like a resume")
							.anySatisfy(e -> assertThat(e).isInstanceOf(PeerEvent.Synced.class));
					assertThat(merged).filteredOn(PresenceChange.class::isInstance)
							.allSatisfy(e -> assertThat(((PresenceChange) e).type()).isEqualTo(ChangeType.UPDATED));
				})
				.expectNextMatches(e -> e instanceof PresenceChange p && p.type() == ChangeType.UPDATED)
				.then(() -> b.setPresence(PresenceInfo.of(PresenceStatus.ONLINE)).block(WAIT))
				.expectNextMatches(e -> e instanceof PresenceChange p && p.presence().status() == PresenceStatus.ONLINE)
				.thenCancel()
				.verify(WAIT);
		assertThat(errors).isEmpty();
	}

	@Test
	void aSubscriberThatComesAsTheLastOneLeavesGetsAStreamEitherWay() {
		PeerCollaboration a = endpoint(alice);
		PeerCollaboration b = endpoint(bob);
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		for (int round = 0; round < 50; round++) {
			List<String> leaving = follow(peer(a, b), errors);
			awaitTrue("the leaving subscriber in sync", () -> leaving.contains("synced"));
			Disposable last = subscriptions.remove(subscriptions.size() - 1);
			List<String> coming = new CopyOnWriteArrayList<>();
			Disposable[] next = new Disposable[1];
			RaceTestUtils.race(last::dispose,
					() -> next[0] = peer(a, b).events().map(SharedFollowTest::describe).subscribe(coming::add,
							errors::add));
			// it joined the old stream in time, or opened a new one: either way it starts from the current state
			awaitTrue("the coming subscriber in sync", () -> coming.contains("synced"));
			assertThat(coming).containsExactly("presence ADDED ONLINE", "synced");
			awaitTrue("one remote stream", () -> TestAccess.followerCount(b) == 1);
			next[0].dispose();
			awaitTrue("no remote stream", () -> TestAccess.followerCount(b) == 0);
		}
		assertThat(errors).isEmpty();
	}
}
