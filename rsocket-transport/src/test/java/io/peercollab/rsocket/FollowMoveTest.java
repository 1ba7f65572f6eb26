// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationObserver;
import io.peercollab.ConnectionPath;
import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.Sharing;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.state.Disclosure;
import io.peercollab.internal.state.Followers;
import io.peercollab.internal.state.PublishedState;
import io.peercollab.rsocket.internal.RSocketBinding;
import io.peercollab.spi.PeerConnection;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * A follow of a peer's presence, applications and objects moved from one connection to another while the peer's state
 * changes 2,000 times (what a hole punch does to a relayed follow), on loopback, against the engine's own
 * {@link Followers}: the follower sees one {@code synced}, every event in order of version, no event that repeats what
 * it holds, and after every version it was told of exactly the peer's state at that version; the changes made while
 * switching arrive as the difference. When the new connection's follow fails, the follow stays on the old one, with a
 * diagnostic saying why, and loses nothing either.
 */
class FollowMoveTest {

	private static final Duration WAIT = Duration.ofSeconds(60);
	private static final int CHANGES = 2_000;
	/** How many versions the changes may run ahead of the follower (the server ends a follower 1,024 behind). */
	private static final int WINDOW = 200;
	static final Disclosure DISCLOSURE = new Disclosure(Sharing.CONTACTS, Sharing.CONTACTS, Sharing.CONTACTS);

	static final UUID[] OBJECTS = ids(7);
	static final UUID[] APPLICATIONS = ids(5);

	@RepeatedTest(3)
	void aFollowMovedWhileTheStateChangesSeesEveryChangeOnceInOrderOfVersion() {
		Outcome o = run(false, false);
		assertThat(o.followsAsked()).hasSize(2);
		assertThat(o.diagnostics()).isEmpty();
	}

	@Test
	void aFollowMovedWhileNothingChangesAsksOnlyForWhatChangedAfterItsVersion() {
		Outcome o = run(false, true);
		// the first follow asks for the whole state; the one on the new connection asks after the synced version,
		// and is answered with synced alone
		assertThat(o.followsAsked()).containsExactly(-1L, o.base());
		assertThat(o.diagnostics()).isEmpty();
	}

	@Test
	void whenTheNewConnectionsFollowFailsTheFollowStaysOnTheOldOneAndADiagnosticSaysWhy() {
		Outcome o = run(true, false);
		// the first follow, the one that failed on the new connection, and the one back on the old connection
		assertThat(o.followsAsked()).hasSize(3);
		assertThat(o.diagnostics()).hasSize(1);
		Diagnostic d = o.diagnostics().get(0);
		assertThat(d.kind().name()).isEqualTo("nat.FOLLOW_NOT_MOVED");
		assertThat(d.message()).contains("could not move").contains("refused on purpose").contains("stays on");
	}

	@Test
	void aServerThatShowsMoreObjectsThanAnyServerMayFailsTheMovableFollowNamingTheLimit() {
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		RecordingHandler handler = new RecordingHandler();
		handler.events = after -> Flux.range(0, 129)
				.<PeerEvent>map(i -> new ObjectChange(ChangeType.ADDED,
						new PeerObject(UUID.randomUUID(), bytes("o" + i), PeerScope.ALL), 5))
				.concatWith(Mono.just(new PeerEvent.Synced(5)));
		RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback(), bob, handler);
		RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback(),
				TestPeers.identity("alice", KeyType.ED25519), new RecordingHandler());
		try {
			PeerConnection c = client.connectSeparately(bob.name(), (TcpAddress) server.address()).block(WAIT);
			StepVerifier.create(c.events(-1))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(LimitExceededException.class)
							.hasMessageContaining("object").hasMessageContaining("128")
							.hasMessageContaining("MAX_OBJECTS").hasMessageContaining(bob.name().toString()))
					.verify(WAIT);
			// the connection serves on
			StepVerifier.create(c.presence()).expectNextCount(1).expectComplete().verify(WAIT);
		}
		finally {
			TestPeers.dispose(client, server);
		}
	}

	/**
	 * @param followsAsked the versions each follow asked to follow after, in order
	 * @param diagnostics the follows that did not move
	 * @param base the version the follow started at
	 */
	private record Outcome(List<Long> followsAsked, List<Diagnostic> diagnostics, long base) {
	}

	/**
	 * @param failOnTheNewConnection the server refuses the second follow (the one on the new connection)
	 * @param idle the follow moves right after its synced, before any change is made; else after a third of the
	 * changes, while they are being made
	 */
	private Outcome run(boolean failOnTheNewConnection, boolean idle) {
		PeerIdentity alice = TestPeers.identity("alice", KeyType.ED25519);
		PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
		PublishedState state = new PublishedState();
		Followers followers = new Followers(state, caller -> true, DISCLOSURE, CollaborationObserver.NOOP);
		state.scopeChanged(PeerScope.ALL);
		for (int i = 0; i < 3; i++) {
			state.setObject(new PeerObject(OBJECTS[i], bytes("first " + i), PeerScope.ALL));
			state.register(PeerApplication.of(APPLICATIONS[i], "app " + i, PeerScope.ALL));
		}
		// the state at every version, to compare with what the follower holds after each version it was told of
		Map<Long, PublishedState.Snapshot> versions = new ConcurrentHashMap<>();
		versions.put(state.current().version(), state.current());

		AtomicInteger follows = new AtomicInteger();
		List<Long> asked = new CopyOnWriteArrayList<>();
		RecordingHandler handler = new RecordingHandler();
		handler.events = after -> {
			int n = follows.incrementAndGet();
			asked.add(after);
			if (failOnTheNewConnection && n == 2) {
				return Flux.error(new InvalidRequestException("refused on purpose: the punched connection fails"));
			}
			return followers.follow(alice.name(), after);
		};
		RSocketBinding server = (RSocketBinding) TestPeers.bind(TestPeers.loopback(), bob, handler);
		RSocketBinding client = (RSocketBinding) TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		Scheduler changer = Schedulers.newSingle("changes");
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		Disposable watching = client.diagnostics().filter(d -> d.kind().name().equals("nat.FOLLOW_NOT_MOVED"))
				.subscribe(diagnostics::add);
		try {
			TcpAddress at = (TcpAddress) server.address();
			PeerConnection first = client.connectSeparately(bob.name(), at).block(WAIT);
			PeerConnection second = client.connectSeparately(bob.name(), at).block(WAIT);

			// what the follower received, in order; the last version it was told of
			List<PeerEvent> received = Collections.synchronizedList(new ArrayList<>());
			AtomicInteger count = new AtomicInteger();
			Sinks.Many<Long> seen = Sinks.many().replay().latest();
			AtomicBoolean moved = new AtomicBoolean();
			Sinks.Empty<Void> movedSignal = Sinks.empty();
			// the snapshot: presence, 3 applications and 3 objects, then synced
			int moveAt = idle ? 8 : CHANGES / 3;
			Disposable follow = first.events(-1).subscribe(e -> {
				received.add(e);
				seen.tryEmitNext(e.version());
				if (count.incrementAndGet() == moveAt && moved.compareAndSet(false, true)) {
					client.moveStreams(first, second);
					movedSignal.tryEmitEmpty();
				}
			}, e -> seen.tryEmitError(e));
			long base = seen.asFlux().next().block(WAIT);

			// the changes, each made once the follower is at most WINDOW versions behind
			Long last = (idle ? movedSignal.asMono() : Mono.<Void>empty()).thenMany(Flux.range(0, CHANGES))
					.concatMap(i -> seen.asFlux().filter(v -> v >= base + i - WINDOW).next()
							.then(Mono.fromCallable(() -> {
								change(state, i);
								PublishedState.Snapshot now = state.current();
								versions.put(now.version(), now);
								return now.version();
							}).subscribeOn(changer)), 0)
					.last()
					.block(WAIT);
			assertThat(last).isEqualTo(base + CHANGES);
			assertThat(seen.asFlux().filter(v -> v >= last).next().block(WAIT)).isEqualTo(last);
			follow.dispose();

			assertThat(moved).isTrue();
			assertThat(first.path()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
			List<PeerEvent> events;
			synchronized (received) {
				events = List.copyOf(received);
			}
			int changes = check(events, versions);
			long distinct = events.stream().filter(e -> e.version() > base).mapToLong(PeerEvent::version).distinct()
					.count();
			System.out.printf("Follow moved%s after %d events: %d changes made; %d change events delivered at %d "
					+ "versions; %d versions merged into the difference at the switch%n",
					failOnTheNewConnection ? " (and fell back)" : "", moveAt, CHANGES, changes, distinct,
					CHANGES - distinct);
			if (!failOnTheNewConnection) {
				// nothing is left on the first connection: it closes once the follow moved
				StepVerifier.create(Flux.interval(Duration.ofMillis(20))
								.filter(x -> server.inboundConnectionCount() == 1).next())
						.expectNextCount(1)
						.expectComplete()
						.verify(WAIT);
			}
			return new Outcome(List.copyOf(asked), List.copyOf(diagnostics), base);
		}
		finally {
			watching.dispose();
			changer.dispose();
			TestPeers.dispose(client, server);
		}
	}

	/**
	 * Asserts what a follower must see: one synced, after the first snapshot; versions that never go down; each change
	 * a change of what it holds; and after each version, the state at that version.
	 *
	 * @return how many changes after the synced were delivered
	 */
	static int check(List<PeerEvent> events, Map<Long, PublishedState.Snapshot> versions) {
		assertThat(events.stream().filter(e -> e instanceof PeerEvent.Synced).count()).as("one synced").isEqualTo(1);
		PresenceInfo presence = null;
		Map<UUID, PeerApplication> apps = new HashMap<>();
		Map<UUID, PeerObject> objects = new HashMap<>();
		boolean synced = false;
		int changes = 0;
		long previous = Long.MIN_VALUE;
		for (int i = 0; i < events.size(); i++) {
			PeerEvent e = events.get(i);
			assertThat(e.version()).as("version of event %d, %s", i, e).isGreaterThanOrEqualTo(previous);
			previous = e.version();
			if (e instanceof PeerEvent.Synced) {
				synced = true;
			}
			else {
				if (synced) {
					changes++;
				}
				if (e instanceof PresenceChange p) {
					presence = apply("presence", null, presence, p.type(), p.presence(), i);
				}
				else if (e instanceof ApplicationChange a) {
					PeerApplication now = apply("application", a.application().id(),
							apps.get(a.application().id()), a.type(), a.application(), i);
					put(apps, a.application().id(), now);
				}
				else if (e instanceof ObjectChange o) {
					PeerObject now = apply("object", o.object().id(), objects.get(o.object().id()), o.type(),
							o.object(), i);
					put(objects, o.object().id(), now);
				}
			}
			boolean versionDone = i + 1 == events.size() || events.get(i + 1).version() > e.version();
			if (versionDone) {
				PublishedState.Snapshot s = versions.get(e.version());
				assertThat(s).as("a state at version %d", e.version()).isNotNull();
				assertThat(presence).as("presence at version %d", e.version())
						.isEqualTo(s.visiblePresence(true, DISCLOSURE));
				Map<UUID, PeerApplication> expectedApps = new HashMap<>();
				s.applications().values().forEach(a -> expectedApps.put(a.id(), a.withoutLaunchDetails()));
				assertThat(apps).as("applications at version %d", e.version()).isEqualTo(expectedApps);
				assertThat(objects).as("objects at version %d", e.version()).isEqualTo(s.objects());
			}
		}
		return changes;
	}

	/** @return the value held after a change, failing on a change that repeats (or contradicts) what is held */
	private static <V> V apply(String what, UUID id, V held, ChangeType type, V value, int index) {
		switch (type) {
			case ADDED -> assertThat(held).as("%s %s ADDED at event %d: held already", what, id, index).isNull();
			case UPDATED -> {
				assertThat(held).as("%s %s UPDATED at event %d: not held", what, id, index).isNotNull();
				assertThat(Objects.equals(held, value)).as("%s %s UPDATED at event %d to what is held (a repeat)",
						what, id, index).isFalse();
			}
			case REMOVED -> assertThat(held).as("%s %s REMOVED at event %d: not held", what, id, index).isNotNull();
		}
		return type == ChangeType.REMOVED ? null : value;
	}

	private static <V> void put(Map<UUID, V> map, UUID id, V value) {
		if (value == null) {
			map.remove(id);
		}
		else {
			map.put(id, value);
		}
	}

	/** Change {@code i}: presence, an object set or deleted, an application registered or unregistered. */
	static void change(PublishedState state, int i) {
		switch (i % 4) {
			case 0 -> state.setPresence(new PresenceInfo(PresenceStatus.values()[1 + i % 3], "change " + i));
			case 1 -> state.setObject(new PeerObject(OBJECTS[i % OBJECTS.length], bytes("change " + i), PeerScope.ALL));
			case 2 -> {
				UUID id = OBJECTS[(i / 4) % OBJECTS.length];
				if (state.current().objects().containsKey(id)) {
					state.deleteObject(id);
				}
				else {
					state.setObject(new PeerObject(id, bytes("again " + i), PeerScope.ALL));
				}
			}
			default -> {
				UUID id = APPLICATIONS[(i / 4) % APPLICATIONS.length];
				if (state.application(id) != null) {
					state.unregister(id);
				}
				else {
					state.register(PeerApplication.of(id, "app " + i, PeerScope.ALL));
				}
			}
		}
	}

	private static byte[] bytes(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static UUID[] ids(int n) {
		UUID[] ids = new UUID[n];
		for (int i = 0; i < n; i++) {
			ids[i] = UUID.randomUUID();
		}
		return ids;
	}
}
