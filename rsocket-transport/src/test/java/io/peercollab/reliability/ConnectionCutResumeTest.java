// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.ChangeType;
import io.peercollab.ObjectChange;
import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.rsocket.FreezableProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/**
 * A follower reaches its publisher through a loopback TCP proxy that the test cuts (every connection closed, new ones
 * refused) and restores. The publisher makes {@value #CHANGES} numbered changes, a third of them while the link is
 * down; each sets the presence text to its number and publishes one more object. The follower must end on the
 * publisher's state having seen no change twice and lost none.
 */
@Tag("slow")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionCutResumeTest {

	static final int CHANGES = 120;

	private final Endpoints endpoints = new Endpoints();
	private FreezableProxy proxy;
	private Disposable following;

	@AfterEach
	void stop() {
		if (following != null) {
			following.dispose();
		}
		if (proxy != null) {
			proxy.close();
		}
		endpoints.close();
	}

	@Test
	void aFollowerResumesFromItsLastVersionAfterTheLinkIsCutAndRestoredWithNothingLostOrRepeated() {
		PeerCollaboration publisher = endpoints.start("cut-publisher");
		PeerCollaboration follower = endpoints.start("cut-follower");
		proxy = new FreezableProxy(publisher.endPoints().get(0).address());
		Peer remote = follower.peer(publisher.name(), PeerEndPoint.of(proxy.address()));

		List<PeerEvent> seen = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> error = new AtomicReference<>();
		following = remote.events().subscribe(seen::add, error::set);
		Endpoints.await(Endpoints.WAIT, "the first snapshot", () -> synceds(seen) == 1);

		change(publisher, 1, 40);
		Endpoints.await(Endpoints.WAIT, "change 40", () -> lastPresence(seen) == 40);

		long cutAt = System.nanoTime();
		proxy.cut();
		change(publisher, 41, 80);
		Endpoints.await(Endpoints.WAIT, "a reconnection refused by the cut link", () -> proxy.refused() >= 1);
		long cutMs = (System.nanoTime() - cutAt) / 1_000_000;
		int refusedWhileCut = proxy.refused();
		int syncedBefore = synceds(seen);
		long restoredAt = System.nanoTime();
		proxy.restore();
		Endpoints.await(Endpoints.WAIT, "the follower to resync after the link came back",
				() -> synceds(seen) > syncedBefore && lastPresence(seen) == 80);
		long resyncMs = (System.nanoTime() - restoredAt) / 1_000_000;

		change(publisher, 81, CHANGES);
		Endpoints.await(Endpoints.WAIT, "change " + CHANGES, () -> lastPresence(seen) == CHANGES);

		// No duplicates: presence texts strictly increase, versions never go back, each object is added once.
		List<Integer> texts = new ArrayList<>();
		long version = -1;
		Set<UUID> added = new HashSet<>();
		int offline = 0;
		List<String> problems = new ArrayList<>();
		for (PeerEvent e : seen) {
			if (e.version() < version) {
				problems.add("version went back to " + e.version() + " after " + version);
			}
			version = Math.max(version, e.version());
			if (e instanceof PresenceChange p && p.type() == ChangeType.REMOVED) {
				// the publisher read offline while the cut refused the follower's reconnection
				offline++;
			}
			else if (e instanceof PresenceChange p && !p.presence().text().isEmpty()) {
				texts.add(Integer.parseInt(p.presence().text()));
			}
			if (e instanceof ObjectChange o) {
				if (o.type() != ChangeType.ADDED || !added.add(o.object().id())) {
					problems.add("object event " + o.type() + " " + o.object().id());
				}
			}
		}
		assertThat(problems).isEmpty();
		assertThat(offline).as("presence REMOVED once: the cut refused a reconnection").isEqualTo(1);
		assertThat(texts).isSorted().doesNotHaveDuplicates();
		// Nothing lost: every change made while connected arrived one by one; those made during the cut arrived as
		// their sum, the state at 80 (a few may have slipped through before the cut closed the connection); the end
		// state is the publisher's.
		int at80 = texts.indexOf(80);
		assertThat(at80).as("the state at 80, delivered on resuming").isPositive();
		assertThat(texts.subList(0, 40)).isEqualTo(range(1, 40));
		assertThat(texts.subList(40, at80)).allSatisfy(n -> assertThat(n).isBetween(41, 79));
		assertThat(texts.subList(at80, texts.size())).isEqualTo(range(80, CHANGES));
		assertThat(added).containsExactlyInAnyOrderElementsOf(publisher.objects().stream().map(PeerObject::id)
				.toList());
		assertThat(added).hasSize(CHANGES);
		assertThat(error.get()).isNull();
		System.out.printf("CUT %d changes (41-80 while cut); link down %d ms with %d reconnections refused; resynced "
				+ "%d ms after the link came back; %d events seen, %d snapshots, 0 duplicates, 0 lost%n", CHANGES,
				cutMs, refusedWhileCut, resyncMs, seen.size(), synceds(seen));
		System.out.println("presence numbers seen: " + texts);
	}

	private static void change(PeerCollaboration publisher, int from, int to) {
		for (int i = from; i <= to; i++) {
			publisher.setPresence(new PresenceInfo(i % 2 == 0 ? PresenceStatus.BUSY : PresenceStatus.AWAY,
					Integer.toString(i))).block(Endpoints.WAIT);
			publisher.setObject(new PeerObject(new UUID(0, i), new byte[] { (byte) i }, PeerScope.ALL))
					.block(Endpoints.WAIT);
		}
	}

	private static List<Integer> range(int from, int to) {
		List<Integer> r = new ArrayList<>();
		for (int i = from; i <= to; i++) {
			r.add(i);
		}
		return r;
	}

	private static int synceds(List<PeerEvent> seen) {
		return (int) seen.stream().filter(e -> e instanceof PeerEvent.Synced).count();
	}

	private static int lastPresence(List<PeerEvent> seen) {
		for (int i = seen.size() - 1; i >= 0; i--) {
			if (seen.get(i) instanceof PresenceChange p && !p.presence().text().isEmpty()) {
				return Integer.parseInt(p.presence().text());
			}
		}
		return 0;
	}
}
