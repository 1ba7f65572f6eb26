// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.ScriptedDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Endpoints on one in-memory network (no socket, the library's identity checks kept), each near the Meeting Spaces
 * that this class starts: the test announces them through a scripted discovery.
 */
final class InMemoryPeople implements AutoCloseable {

	private static final Pattern INVITATION = Pattern.compile("\"invitations\":\\[\\{\"id\":\"([^\"]+)\"");

	final InMemoryPeerTransport.Network network = new InMemoryPeerTransport.Network();
	final ScriptedDiscovery near = new ScriptedDiscovery();
	private final List<PeerCollaboration> plain = new ArrayList<>();
	private final List<MeetingSpace> spaces = new ArrayList<>();

	/** A Meeting Space whose endpoint sees everyone announced through {@link #near}, and is announced itself. */
	MeetingSpace space(String nickname) {
		PeerCollaboration endpoint = PeerCollaboration.builder().identity(PeerIdentity.generate(nickname))
				.nickname(nickname).discovery(near).transport(network.transport()).build();
		MeetingSpace space = MeetingSpace.start(endpoint, 0);
		spaces.add(space);
		near.announce(endpoint.name(), nickname, endpoint.endPoints().get(0));
		return space;
	}

	/**
	 * Alice's and Bob's Meeting Spaces on a network of their own, each with a page open: Alice sees Bob near her and
	 * invites him, and Bob accepts; returns once Alice's page shows him joined.
	 */
	static AliceAndBob aliceInvitesBob() throws InterruptedException {
		InMemoryPeople people = new InMemoryPeople();
		AliceAndBob meeting = null;
		try {
			MeetingSpace alice = people.space("alice");
			MeetingSpace bob = people.space("bob");
			meeting = new AliceAndBob(people, alice, bob, new PageFeed(alice), new PageFeed(bob));
			meeting.alicePage.await("bob near alice", u -> u.contains("\"nickname\":\"bob\""));
			alice.handle("{\"t\":\"invite\",\"names\":[\"" + bob.endpoint().name() + "\"]}");
			Matcher m = INVITATION.matcher(meeting.bobPage.await("an invitation",
					u -> INVITATION.matcher(u).find()));
			assertThat(m.find()).isTrue();
			bob.handle("{\"t\":\"accept\",\"id\":\"" + m.group(1) + "\"}");
			meeting.alicePage.await("bob joined", u -> u.contains(
					"\"nickname\":\"bob\",\"colour\":\"#d62728\",\"status\":\"joined\""));
			return meeting;
		}
		catch (InterruptedException | RuntimeException | Error e) {
			if (meeting != null) {
				meeting.close();
			}
			else {
				people.close();
			}
			throw e;
		}
	}

	/** Alice's and Bob's Meeting Spaces and their pages; closing closes the pages, then the spaces. */
	record AliceAndBob(InMemoryPeople people, MeetingSpace alice, MeetingSpace bob, PageFeed alicePage,
			PageFeed bobPage) implements AutoCloseable {

		@Override
		public void close() {
			alicePage.close();
			bobPage.close();
			people.close();
		}
	}

	/** {@code n} endpoints signed in near me, each announced. */
	void people(int n) {
		List<PeerCollaboration> made = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			made.add(PeerCollaboration.builder().identity(PeerIdentity.generate("person" + i))
					.nickname(String.format("person %02d", i)).discovery(new ScriptedDiscovery())
					.transport(network.transport()).build());
		}
		plain.addAll(made);
		Flux.fromIterable(made).flatMap(p -> p.signIn(PeerScope.NEAR_ME)).then().block(Duration.ofSeconds(60));
		made.forEach(p -> near.announce(p.name(), p.nickname(), p.endPoints().get(0)));
	}

	@Override
	public void close() {
		spaces.forEach(MeetingSpace::close);
		Flux.fromIterable(plain).flatMap(PeerCollaboration::close).then().block(Duration.ofSeconds(60));
	}

	/** What a page of {@code space} receives, as a test reads it. */
	static final class PageFeed implements AutoCloseable {
		private final BlockingQueue<String> updates = new LinkedBlockingQueue<>();
		private final Disposable connection;

		PageFeed(MeetingSpace space) {
			connection = space.connect(updates::add);
		}

		/** Waits for an update that {@code test} accepts, up to 30 s; returns it. */
		String await(String what, Predicate<String> test) throws InterruptedException {
			long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			for (long left; (left = end - System.nanoTime()) > 0; ) {
				String u = updates.poll(left, TimeUnit.NANOSECONDS);
				if (u != null && test.test(u)) {
					return u;
				}
			}
			throw new AssertionError("no update within 30 s: " + what);
		}

		@Override
		public void close() {
			connection.dispose();
		}
	}
}
