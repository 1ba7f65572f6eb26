// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.peercollab.ChangeType;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static io.peercollab.discovery.MdnsTestSupport.APPEAR;
import static io.peercollab.discovery.MdnsTestSupport.first;
import static io.peercollab.discovery.MdnsTestSupport.is;
import static io.peercollab.discovery.MdnsTestSupport.name;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures, and prints, how long discovery takes on loopback. Isolated, so that no other test shares the machine
 * while it measures; its bounds only catch an order-of-magnitude regression.
 */
@Tag("slow")
@Isolated
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MdnsTimingTest {

	static final int RUNS = 10;

	/**
	 * Runs start this far apart. Each waits about 4 s for jmDNS's timers, so two or three are in flight at once;
	 * they share no timer and little CPU, and run one after the other they measured the same (median 4017 ms).
	 */
	static final Duration STAGGER = Duration.ofSeconds(2);

	final MdnsDiscovery discovery = MdnsTestSupport.discovery(MdnsTestSupport.uniqueServiceType());
	final List<DiscoverySession> sessions = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeEverything() {
		Flux.fromIterable(sessions).flatMap(DiscoverySession::close).then().block(Duration.ofSeconds(20));
	}

	record Run(int index, long startToAdded, DiscoverySession session, PeerName name) {
	}

	@Test
	void startToAddedCloseToRemovedAndNicknameToUpdatedOnLoopback() {
		DiscoverySession observer = discovery.start(new Announcement(name("observer"), "Observer", 40200))
				.block(Duration.ofSeconds(10));
		sessions.add(observer);
		Map<PeerName, Long> removedAt = new ConcurrentHashMap<>();
		observer.peers()
				.filter(e -> e.type() == ChangeType.REMOVED)
				.subscribe(e -> removedAt.put(e.peer().name(), System.nanoTime()));

		Map<PeerName, Long> closedAt = new ConcurrentHashMap<>();
		List<Run> runs = Flux.range(0, RUNS)
				.delayElements(STAGGER)
				.flatMap(i -> {
					Announcement announcement = new Announcement(name("run" + i), "Run " + i, 40201 + i);
					long t0 = System.nanoTime();
					return discovery.start(announcement)
							.doOnNext(sessions::add)
							.flatMap(session -> first(observer, is(ChangeType.ADDED, announcement.name()), APPEAR)
									.map(added -> new Run(i, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
											session, announcement.name())));
				})
				.doOnNext(run -> {
					// Each closes as soon as it is seen, so that removals too are measured one by one; the last
					// one stays to witness a nickname change.
					if (run.index() < RUNS - 1) {
						closedAt.put(run.name(), System.nanoTime());
						run.session().close().subscribe();
					}
				})
				.collectSortedList((a, b) -> Integer.compare(a.index(), b.index()))
				.block(Duration.ofSeconds(60));

		// The observer has run since the start: a re-announcement from a warm jmDNS instance.
		DiscoverySession witness = runs.get(RUNS - 1).session();
		Mono<DiscoveryEvent> updated = witness.peers().filter(e -> e.type() == ChangeType.UPDATED).next()
				.timeout(APPEAR).cache();
		updated.subscribe();
		long u0 = System.nanoTime();
		observer.updateNickname("Renamed").subscribe();
		updated.block();
		long nicknameToUpdated = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - u0);
		MdnsTestSupport.await(Duration.ofSeconds(30), () -> removedAt.keySet().containsAll(closedAt.keySet()));

		List<Long> startToAdded = new ArrayList<>();
		runs.forEach(run -> startToAdded.add(run.startToAdded()));
		List<Long> later = startToAdded.subList(1, RUNS);
		List<Long> closeToRemoved = new ArrayList<>();
		closedAt.forEach((n, t) -> closeToRemoved.add(TimeUnit.NANOSECONDS.toMillis(removedAt.get(n) - t)));
		System.out.printf("start -> ADDED: first run %d ms; runs 2-%d median %d ms (min %d, max %d); all %s%n",
				startToAdded.get(0), RUNS, MdnsTestSupport.median(later), min(later), max(later), startToAdded);
		System.out.printf("close -> REMOVED: median %d ms (min %d, max %d) over %d runs; all %s%n",
				MdnsTestSupport.median(closeToRemoved), min(closeToRemoved), max(closeToRemoved),
				closeToRemoved.size(), closeToRemoved);
		System.out.printf("nickname -> UPDATED from a running instance: %d ms%n", nicknameToUpdated);

		assertThat(MdnsTestSupport.median(later)).isLessThan(10_000);
		assertThat(MdnsTestSupport.median(closeToRemoved)).isLessThan(8_000);
		assertThat(nicknameToUpdated).isLessThan(10_000);
	}

	private static long min(List<Long> values) {
		return values.stream().mapToLong(Long::longValue).min().orElse(0);
	}

	private static long max(List<Long> values) {
		return values.stream().mapToLong(Long::longValue).max().orElse(0);
	}
}
