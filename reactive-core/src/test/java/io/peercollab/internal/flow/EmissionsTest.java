// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Emitting without a lock: racing emitters all get through, and a subscriber that emits from inside its
 * {@code onNext} is never made to wait for itself.
 */
class EmissionsTest {

	@Test
	void racingEmittersAllGetThroughWithoutALock() {
		for (int round = 0; round < 200; round++) {
			Sinks.Many<Integer> sink = Sinks.many().multicast().directBestEffort();
			List<Integer> seen = new CopyOnWriteArrayList<>();
			sink.asFlux().subscribe(seen::add);
			RaceTestUtils.race(() -> {
				for (int i = 0; i < 50; i++) {
					assertThat(Emissions.next(sink, i)).isEqualTo(Sinks.EmitResult.OK);
				}
			}, () -> {
				for (int i = 50; i < 100; i++) {
					assertThat(Emissions.next(sink, i)).isEqualTo(Sinks.EmitResult.OK);
				}
			});
			assertThat(seen).hasSize(100).doesNotHaveDuplicates();
		}
	}

	@Test
	void anEmissionFromInsideASubscriberReturnsInsteadOfWaitingForItself() {
		Sinks.Many<String> sink = Sinks.many().multicast().directBestEffort();
		AtomicReference<Sinks.EmitResult> nested = new AtomicReference<>();
		List<String> seen = new CopyOnWriteArrayList<>();
		sink.asFlux().subscribe(s -> {
			seen.add(s);
			if (s.equals("outer")) {
				nested.set(Emissions.next(sink, "inner"));
			}
		});
		assertThat(Emissions.next(sink, "outer")).isEqualTo(Sinks.EmitResult.OK);
		// Reactor serves a same-thread emission itself (delivered after the outer one); were it refused, the caller
		// would be told FAIL_NON_SERIALIZED, never made to spin
		assertThat(nested.get()).isIn(Sinks.EmitResult.OK, Sinks.EmitResult.FAIL_NON_SERIALIZED);
		if (nested.get() == Sinks.EmitResult.OK) {
			assertThat(seen).containsExactly("outer", "inner");
		}
		assertThat(Emissions.complete(sink)).isEqualTo(Sinks.EmitResult.OK);
	}
}
