// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.peercollab.Peer;
import io.peercollab.PeerCollaboration;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.internal.engine.TestAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/**
 * A thousand followers ({@code Peer.events()} subscriptions from ten endpoints, a hundred each, sharing one stream
 * per endpoint, over RSocket + TLS on 127.0.0.1) of one endpoint while it changes its presence a thousand times; then they all leave, and the heap the
 * test JVM retains comes back near where it was before they came.
 */
@Tag("slow")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FollowerLoadTest {

	static final int ENDPOINTS = 10;
	static final int PER_ENDPOINT = 100;
	static final int FOLLOWERS = ENDPOINTS * PER_ENDPOINT;
	static final int CHANGES = 1_000;
	/** How much more heap may stay in use after the followers left than before they came. */
	static final long TOLERANCE = 16L * 1024 * 1024;

	private final Endpoints endpoints = new Endpoints();
	private final List<Disposable> following = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() {
		following.forEach(Disposable::dispose);
		endpoints.close();
	}

	@Test
	void aThousandFollowersAllEndOnTheLastOfAThousandChangesAndTheHeapComesBackWhenTheyLeave() {
		PeerCollaboration publisher = endpoints.start("follow-publisher");
		List<Peer> views = new ArrayList<>();
		for (int e = 0; e < ENDPOINTS; e++) {
			PeerCollaboration f = endpoints.start("follow-" + e);
			Peer view = Endpoints.peer(f, publisher);
			view.presence().block(Endpoints.WAIT); // the connection exists before the baseline
			views.add(view);
		}
		// warm up the code paths once, so that the baseline includes what loading them costs
		following.add(views.get(0).events().subscribe());
		Endpoints.await(Endpoints.WAIT, "a first follower", () -> TestAccess.followerCount(publisher) == 1);
		following.remove(0).dispose();
		Endpoints.await(Endpoints.WAIT, "no follower", () -> TestAccess.followerCount(publisher) == 0);
		long baseline = Endpoints.usedHeapAfterGc();

		String last = "change " + CHANGES;
		AtomicReferenceArray<String> lastSeen = new AtomicReferenceArray<>(FOLLOWERS);
		AtomicInteger atLast = new AtomicInteger();
		AtomicInteger errors = new AtomicInteger();
		long subscribeStarted = System.nanoTime();
		for (int i = 0; i < FOLLOWERS; i++) {
			int index = i;
			following.add(views.get(i % ENDPOINTS).events().ofType(PresenceChange.class).subscribe(p -> {
				String text = p.presence().text();
				if (text.equals(last) && !last.equals(lastSeen.getAndSet(index, text))) {
					atLast.incrementAndGet();
				}
				else {
					lastSeen.set(index, text);
				}
			}, e -> errors.incrementAndGet()));
		}
		// the subscribers of one endpoint share its one remote stream
		Endpoints.await(Duration.ofSeconds(60), ENDPOINTS + " follow streams at the publisher",
				() -> TestAccess.followerCount(publisher) == ENDPOINTS);
		long subscribedMs = (System.nanoTime() - subscribeStarted) / 1_000_000;

		long changesStarted = System.nanoTime();
		for (int n = 1; n <= CHANGES; n++) {
			publisher.setPresence(new PresenceInfo(n % 2 == 0 ? PresenceStatus.BUSY : PresenceStatus.AWAY,
					"change " + n)).block(Endpoints.WAIT);
		}
		long changedMs = (System.nanoTime() - changesStarted) / 1_000_000;
		Endpoints.await(Duration.ofSeconds(150), "every follower on the last change", () -> atLast.get() == FOLLOWERS);
		long deliveredMs = (System.nanoTime() - changesStarted) / 1_000_000;
		long withFollowers = Endpoints.usedHeapAfterGc();

		for (int i = 0; i < FOLLOWERS; i++) {
			assertThat(lastSeen.get(i)).as("follower %d", i).isEqualTo(last);
		}
		assertThat(errors.get()).isZero();

		following.forEach(Disposable::dispose);
		following.clear();
		Endpoints.await(Duration.ofSeconds(30), "every follower gone from the publisher",
				() -> TestAccess.followerCount(publisher) == 0);
		long after = Endpoints.usedHeapAfterGc();

		System.out.printf("FOLLOW %d followers subscribed in %d ms; %d changes made in %d ms, all followers on the "
				+ "last one after %d ms (%d events delivered); used heap after GC: %s before, %s with the followers, "
				+ "%s after they left (tolerance %s)%n", FOLLOWERS, subscribedMs, CHANGES, changedMs, deliveredMs,
				(long) FOLLOWERS * CHANGES, Endpoints.mib(baseline), Endpoints.mib(withFollowers), Endpoints.mib(after),
				Endpoints.mib(TOLERANCE));
		assertThat(after).as("used heap after the followers left, against %s before", Endpoints.mib(baseline))
				.isLessThanOrEqualTo(baseline + TOLERANCE);
	}
}
