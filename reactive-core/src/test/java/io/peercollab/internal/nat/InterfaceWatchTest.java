// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The host's interface addresses, read on a timer: a change is emitted once, within one period; no change, nothing.
 * Shared, they are read once per period however many subscribe, and not at all once nobody does.
 */
class InterfaceWatchTest {

	@Test
	void twoSubscribersShareOneReadPerPeriodAndTheReadsStopWhenBothCancel() throws Exception {
		InetAddress wifi = InetAddress.getByName("192.168.1.20");
		InetAddress vpn = InetAddress.getByName("10.8.0.2");
		AtomicReference<Set<InetAddress>> now = new AtomicReference<>(Set.of(wifi));
		AtomicInteger reads = new AtomicInteger();
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		Flux<Set<InetAddress>> shared = InterfaceWatch.shared(() -> {
			reads.incrementAndGet();
			return now.get();
		}, InterfaceWatch.PERIOD, time);
		List<Set<InetAddress>> first = new CopyOnWriteArrayList<>();
		List<Set<InetAddress>> second = new CopyOnWriteArrayList<>();
		assertThat(reads).as("nothing is read before anyone subscribes").hasValue(0);

		Disposable one = shared.subscribe(first::add);
		time.advanceTime();
		assertThat(reads).hasValue(1);
		assertThat(first).as("the addresses now, first").containsExactly(Set.of(wifi));

		time.advanceTimeBy(Duration.ofSeconds(2));
		Disposable two = shared.subscribe(second::add);
		assertThat(second).as("the latest read, at once, without reading again").containsExactly(Set.of(wifi));
		assertThat(reads).hasValue(1);

		time.advanceTimeBy(Duration.ofSeconds(3).plus(InterfaceWatch.PERIOD.multipliedBy(9)));
		assertThat(reads).as("one read per period for both, at 0, 5, ... 50 s").hasValue(11);
		now.set(Set.of(wifi, vpn));
		time.advanceTimeBy(InterfaceWatch.PERIOD);
		assertThat(reads).hasValue(12);
		assertThat(first).containsExactly(Set.of(wifi), Set.of(wifi, vpn));
		assertThat(second).containsExactly(Set.of(wifi), Set.of(wifi, vpn));

		one.dispose();
		time.advanceTimeBy(InterfaceWatch.PERIOD);
		assertThat(reads).as("still read for the second subscriber").hasValue(13);
		two.dispose();
		time.advanceTimeBy(InterfaceWatch.PERIOD.multipliedBy(10));
		assertThat(reads).as("nobody subscribes: nothing is read").hasValue(13);

		List<Set<InetAddress>> third = new CopyOnWriteArrayList<>();
		now.set(Set.of(vpn));
		Disposable three = shared.subscribe(third::add);
		time.advanceTime();
		assertThat(reads).as("a new subscriber starts the reads again").hasValue(14);
		assertThat(third).as("a fresh read, not the set from before the stop").containsExactly(Set.of(vpn));
		three.dispose();
		time.dispose();
	}

	@Test
	void aChangedSetIsEmittedOnceWithinOnePeriodAndAnUnchangedOneNever() throws Exception {
		InetAddress wifi = InetAddress.getByName("192.168.1.20");
		InetAddress vpn = InetAddress.getByName("10.8.0.2");
		AtomicReference<Set<InetAddress>> now = new AtomicReference<>(Set.of(wifi));

		StepVerifier.withVirtualTime(() -> InterfaceWatch.changes(now::get, InterfaceWatch.PERIOD,
						reactor.core.scheduler.Schedulers.parallel()))
				.thenAwait(Duration.ofMinutes(1))
				.expectNoEvent(Duration.ofMinutes(1))
				.then(() -> now.set(Set.of(wifi, vpn)))
				.thenAwait(InterfaceWatch.PERIOD)
				.expectNext(Set.of(wifi, vpn))
				.expectNoEvent(Duration.ofMinutes(1))
				.then(() -> now.set(Set.of(vpn)))
				.thenAwait(InterfaceWatch.PERIOD)
				.expectNext(Set.of(vpn))
				.thenCancel()
				.verify(Duration.ofSeconds(10));
	}

	@Test
	void aReadThatFailsIsSkipped() throws Exception {
		InetAddress wifi = InetAddress.getByName("192.168.1.20");
		AtomicReference<Set<InetAddress>> now = new AtomicReference<>(Set.of(wifi));
		AtomicReference<Boolean> failing = new AtomicReference<>(false);

		StepVerifier.withVirtualTime(() -> InterfaceWatch.changes(() -> {
							if (failing.get()) {
								throw new IllegalStateException("cannot read the interfaces");
							}
							return now.get();
						}, InterfaceWatch.PERIOD, reactor.core.scheduler.Schedulers.parallel()))
				.thenAwait(InterfaceWatch.PERIOD)
				.then(() -> failing.set(true))
				.expectNoEvent(Duration.ofMinutes(1))
				.then(() -> {
					failing.set(false);
					now.set(Set.of());
				})
				.thenAwait(InterfaceWatch.PERIOD)
				.expectNext(Set.of())
				.thenCancel()
				.verify(Duration.ofSeconds(10));
	}
}
