// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Sinks;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Emitting without a lock and without losing anything: racing emitters all get through, a subscriber that emits from
 * inside its {@code onNext} is never made to wait for itself, and its emission is not lost while another thread is
 * emitting (which the former {@code Emissions} helper dropped with a {@code FAIL_NON_SERIALIZED} nobody read).
 */
class SerialSinkTest {

	@Test
	void racingEmittersAllGetThroughWithoutALock() {
		for (int round = 0; round < 200; round++) {
			SerialSink<Integer> sink = new SerialSink<>(Sinks.many().multicast().directBestEffort());
			List<Integer> seen = new CopyOnWriteArrayList<>();
			sink.asFlux().subscribe(seen::add);
			RaceTestUtils.race(() -> {
				for (int i = 0; i < 50; i++) {
					sink.next(i);
				}
			}, () -> {
				for (int i = 50; i < 100; i++) {
					sink.next(i);
				}
			});
			assertThat(seen).hasSize(100).doesNotHaveDuplicates();
		}
	}

	@Test
	void anEmissionFromInsideASubscriberIsDeliveredAfterTheOneInProgress() {
		SerialSink<String> sink = new SerialSink<>(Sinks.many().multicast().directBestEffort());
		List<String> seen = new CopyOnWriteArrayList<>();
		sink.asFlux().subscribe(s -> {
			seen.add(s);
			if (s.equals("outer")) {
				sink.next("inner");
				// queued, not emitted inside this onNext
				assertThat(seen).containsExactly("outer");
			}
		});
		sink.next("outer");
		assertThat(seen).containsExactly("outer", "inner");
		sink.complete();
	}

	/**
	 * Thread B is inside an emission into {@code target} (its subscriber waits on a latch) when this thread, inside an
	 * emission into {@code outer}, emits into {@code target}: the value must reach {@code target}'s subscriber once B
	 * returns. The former helper returned {@code FAIL_NON_SERIALIZED} at once here (it did not spin inside another
	 * emission) and the value was lost.
	 */
	@Test
	void aNestedEmissionWhileAnotherThreadEmitsIsNotLost() throws Exception {
		SerialSink<String> outer = new SerialSink<>(Sinks.many().multicast().directBestEffort());
		SerialSink<String> target = new SerialSink<>(Sinks.many().multicast().directBestEffort());
		List<String> seen = new CopyOnWriteArrayList<>();
		CountDownLatch bInside = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch both = new CountDownLatch(2);
		target.asFlux().subscribe(v -> {
			seen.add(v);
			both.countDown();
			if (v.equals("b")) {
				bInside.countDown();
				awaitQuietly(release);
			}
		});
		outer.asFlux().subscribe(v -> target.next("a"));
		Thread b = new Thread(() -> target.next("b"), "emitter-b");
		b.start();
		assertThat(bInside.await(5, TimeUnit.SECONDS)).isTrue();

		outer.next("x"); // returns at once: "a" is queued behind B's emission, not refused

		release.countDown();
		assertThat(both.await(5, TimeUnit.SECONDS)).as("both values delivered, seen %s", seen).isTrue();
		assertThat(seen).containsExactly("b", "a");
		b.join(5_000);
	}

	@Test
	void aRefusalIsToldToTheCaller() {
		// a multicast buffer of one with no subscriber: the second value does not fit (Reactor names that refusal
		// FAIL_ZERO_SUBSCRIBER while nobody subscribed)
		SerialSink<String> sink = new SerialSink<>(Sinks.many().multicast().onBackpressureBuffer(1, false));
		AtomicReference<Sinks.EmitResult> first = new AtomicReference<>();
		AtomicReference<Sinks.EmitResult> second = new AtomicReference<>();
		sink.next("one", first::set);
		sink.next("two", second::set);
		assertThat(first.get()).isNull();
		assertThat(second.get()).isEqualTo(Sinks.EmitResult.FAIL_ZERO_SUBSCRIBER);
	}

	@Test
	void completesAfterWhatWasQueuedAndOnlyOnce() {
		SerialSink<String> sink = new SerialSink<>(Sinks.many().replay().all());
		sink.submitNext("queued");
		sink.complete();
		sink.complete();
		assertThat(sink.asFlux().collectList().block()).containsExactly("queued");
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
