// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The host's interface addresses, read on a timer: a change is emitted once, within one period; no change, nothing. */
class InterfaceWatchTest {

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
