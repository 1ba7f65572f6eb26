// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.contact.ContactStores;
import io.peercollab.contact.PeerContact;
import io.peercollab.discovery.MdnsDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.spi.ContactStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The scripted demo: Alice, Bob and Carol in one process, on loopback, each with an identity and an H2 contact store
 * of their own. They find each other over mDNS, set presence, invite, accept and decline, make a contact, follow it,
 * talk over a session, and sign out. It prints what each of them sees, with timestamps, and exits 0 when every step
 * worked, 1 with the failed step otherwise.
 *
 * <p>Run it with {@code mvn -q -Pdemo -DskipTests verify} from the repository root.
 *
 * <p>The demo blocks at each step ({@code block(...)}) because it is a script; a library or a service would compose
 * the same calls instead.
 */
public final class Demo {

	private static final Duration STEP = Duration.ofSeconds(15);

	/** The application Alice hosts. Every peer that may be invited registers the same id. */
	static final PeerApplication WHITEBOARD = new PeerApplication(
			UUID.fromString("2f1b6a4c-3a2e-4d8b-9c55-7e0f5b1c9d01"), "Shared whiteboard", null, PeerScope.ALL, null, null);

	private Demo() {
	}

	/**
	 * Runs the demo.
	 *
	 * @param args ignored
	 */
	public static void main(String[] args) {
		System.exit(run(System.out));
	}

	/**
	 * Runs the demo, printing the transcript to {@code out}.
	 *
	 * @return 0 when every step worked, 1 otherwise
	 */
	public static int run(PrintStream out) {
		Transcript t = new Transcript(out);
		Path dir;
		try {
			dir = Files.createTempDirectory("peercollab-demo");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		String step = "start";
		PeerCollaboration alice = null;
		PeerCollaboration bob = null;
		PeerCollaboration carol = null;
		try {
			step = "create identities and endpoints";
			alice = endpoint("alice", "Alice", dir);
			bob = endpoint("bob", "Bob", dir);
			carol = endpoint("carol", "Carol", dir);
			for (PeerCollaboration p : List.of(alice, bob, carol)) {
				t.say(p.nickname(), "is " + p.name());
			}

			step = "register the whiteboard";
			for (PeerCollaboration p : List.of(alice, bob, carol)) {
				p.registerApplication(WHITEBOARD).block(STEP);
			}

			step = "sign in and discover each other over mDNS";
			for (PeerCollaboration p : List.of(alice, bob, carol)) {
				PeerCollaboration me = p;
				p.signIn(PeerScope.ALL).block(STEP);
				t.say(p.nickname(), "signed in, listening at " + p.endPoints());
				me.peersNearMe().subscribe(e -> t.say(me.nickname(), describe(e)), err -> {
				});
			}
			PeerNearMe bobNearAlice = awaitNear(alice, bob.name());
			PeerNearMe carolNearAlice = awaitNear(alice, carol.name());
			awaitNear(bob, alice.name());
			awaitNear(carol, alice.name());

			step = "set presence";
			carol.setPresence(new PresenceInfo(PresenceStatus.AWAY, "getting coffee")).block(STEP);
			t.say("Carol", "is AWAY (getting coffee)");
			PresenceInfo carolSeen = carolNearAlice.presence().block(STEP);
			t.say("Alice", "reads Carol's presence: " + carolSeen.status() + " (" + carolSeen.text() + ")");
			expect(carolSeen.status() == PresenceStatus.AWAY, "Alice should read Carol as AWAY");

			step = "invite Bob (accepts) and Carol (declines)";
			PeerCollaboration b = bob;
			Mono<CollaborationSession> bobSession = bob.invitations().next().flatMap(inv -> {
				t.say("Bob", "is invited by " + inv.senderNickname() + " to '" + inv.application().description()
						+ "': \"" + inv.message() + "\" -> accepts");
				return inv.accept();
			}).cache();
			bobSession.subscribe();
			carol.invitations().next().flatMap(inv -> {
				t.say("Carol", "is invited by " + inv.senderNickname() + " -> declines");
				return inv.decline("busy, sorry");
			}).subscribe();
			InvitationResponse bobAnswer = bobNearAlice.invite(WHITEBOARD, "join my whiteboard?", null).block(STEP);
			t.say("Alice", "gets Bob's answer: " + bobAnswer.status());
			expect(bobAnswer.status() == InvitationStatus.ACCEPTED, "Bob should accept");
			InvitationResponse carolAnswer = carolNearAlice.invite(WHITEBOARD, "join my whiteboard?", null).block(STEP);
			t.say("Alice", "gets Carol's answer: " + carolAnswer.status() + " (\"" + carolAnswer.message() + "\")");
			expect(carolAnswer.status() == InvitationStatus.DECLINED, "Carol should decline");

			step = "add Bob as a contact from people near me and follow his presence";
			PeerContact bobContact = alice.contacts().createContact(bobNearAlice).block(STEP);
			t.say("Alice", "added contact " + bobContact.nickname() + " (" + bobContact.name().authority().substring(0, 8)
					+ "...), certificate pinned");
			Flux<PresenceChange> bobPresence = alice.peer(bobContact.withEndPoints(bobNearAlice.endPoints())).events()
					.ofType(PresenceChange.class)
					.doOnNext(p -> t.say("Alice", "follows Bob: " + p.type() + " " + p.presence().status()))
					.cache();
			// The stream ends with NotSignedInException once Alice signs out; the demo is done by then.
			bobPresence.subscribe(p -> {
			}, e -> {
			});
			bobPresence.filter(p -> p.presence().status() == PresenceStatus.ONLINE).blockFirst(STEP);

			step = "Bob goes BUSY and Alice sees it";
			b.setPresence(new PresenceInfo(PresenceStatus.BUSY, "drawing")).block(STEP);
			t.say("Bob", "is BUSY (drawing)");
			bobPresence.filter(p -> p.presence().status() == PresenceStatus.BUSY).blockFirst(STEP);

			step = "exchange messages over the session";
			CollaborationSession aliceSide = bobAnswer.session().orElseThrow();
			CollaborationSession bobSide = bobSession.block(STEP);
			aliceSide.send("I drew a square".getBytes(StandardCharsets.UTF_8)).block(STEP);
			String atBob = bobSide.receive().next().block(STEP).text();
			t.say("Bob", "receives \"" + atBob + "\"");
			bobSide.send("I made it blue".getBytes(StandardCharsets.UTF_8)).block(STEP);
			String atAlice = aliceSide.receive().next().block(STEP).text();
			t.say("Alice", "receives \"" + atAlice + "\"");
			expect(atBob.equals("I drew a square") && atAlice.equals("I made it blue"), "messages should arrive");

			step = "everyone signs out and the others see them go";
			PeerCollaboration a = alice;
			Mono<PeerNearMeEvent> aliceSeesCarolGo = removal(a, carol.name());
			carol.signOut(PeerScope.ALL).block(STEP);
			t.say("Carol", "signed out");
			aliceSeesCarolGo.block(STEP);
			Mono<PeerNearMeEvent> aliceSeesBobGo = removal(a, bob.name());
			bob.signOut(PeerScope.ALL).block(STEP);
			t.say("Bob", "signed out");
			aliceSeesBobGo.block(STEP);
			alice.signOut(PeerScope.ALL).block(STEP);
			t.say("Alice", "signed out");

			step = "close";
			Flux.just(alice, bob, carol).flatMap(PeerCollaboration::close).then().block(STEP);
			t.say("demo", "completed every step in " + t.elapsed().toMillis() + " ms");
			return 0;
		}
		catch (RuntimeException e) {
			t.say("demo", "FAILED at step '" + step + "': " + e);
			for (PeerCollaboration p : new PeerCollaboration[] { alice, bob, carol }) {
				if (p != null) {
					p.close().onErrorResume(x -> Mono.empty()).block(STEP);
				}
			}
			return 1;
		}
		finally {
			deleteQuietly(dir);
		}
	}

	private static PeerCollaboration endpoint(String classifier, String nickname, Path dir) {
		return PeerCollaboration.builder()
				.identity(PeerIdentity.generate(classifier))
				.nickname(nickname)
				.contactStore(ContactStores.h2(dir.resolve(classifier)))
				.discovery(MdnsDiscovery.onLoopback())
				.transport(RSocketPeerTransport.tcp().host("127.0.0.1"))
				.build();
	}

	private static PeerNearMe awaitNear(PeerCollaboration who, PeerName name) {
		return who.peersNearMe()
				.filter(e -> e.type() != ChangeType.REMOVED && e.peer().name().equals(name))
				.map(PeerNearMeEvent::peer)
				.blockFirst(STEP);
	}

	private static Mono<PeerNearMeEvent> removal(PeerCollaboration who, PeerName name) {
		Mono<PeerNearMeEvent> m = who.peersNearMe()
				.filter(e -> e.type() == ChangeType.REMOVED && e.peer().name().equals(name))
				.next()
				.cache();
		m.subscribe(x -> {
		}, e -> {
		});
		return m;
	}

	private static String describe(PeerNearMeEvent e) {
		return switch (e.type()) {
			case ADDED -> "sees " + e.peer().nickname() + " near me at " + e.peer().endPoints().get(0).address();
			case UPDATED -> "sees " + e.peer().nickname() + " change";
			case REMOVED -> "sees " + e.peer().nickname() + " go";
		};
	}

	private static void expect(boolean condition, String what) {
		if (!condition) {
			throw new IllegalStateException(what);
		}
	}

	private static void deleteQuietly(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
		catch (IOException e) {
			// a temporary directory left behind is not worth failing the demo for
		}
	}
}
