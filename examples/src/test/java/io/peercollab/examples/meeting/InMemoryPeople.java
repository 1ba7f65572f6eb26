// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.ScriptedDiscovery;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Endpoints on one in-memory network (no socket, the library's identity checks kept), each near the Meeting Spaces
 * that this class starts: the test announces them through a scripted discovery.
 */
final class InMemoryPeople implements AutoCloseable {

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
