// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Expiries} in virtual time: deadlines, their order, cancellation, and the one task behind them.
 */
class ExpiriesTest {

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
	private final CountingScheduler counted = new CountingScheduler(time);
	private final Expiries expiries = new Expiries(counted);
	private final List<String> fired = new CopyOnWriteArrayList<>();

	@AfterEach
	void tearDown() {
		expiries.dispose();
		time.dispose();
	}

	private Disposable at(String name, Duration delay) {
		return expiries.schedule(() -> fired.add(name), delay);
	}

	@Test
	void anEntryExpiresAtItsDeadlineAndNotBefore() {
		at("a", Duration.ofMinutes(5));

		time.advanceTimeBy(Duration.ofMinutes(5).minusMillis(1));
		assertThat(fired).isEmpty();
		assertThat(expiries.size()).isEqualTo(1);

		time.advanceTimeBy(Duration.ofMillis(1));
		assertThat(fired).containsExactly("a");
		assertThat(expiries.size()).isZero();
	}

	@Test
	void entriesExpireInTheOrderOfTheirDeadlinesWhateverTheOrderTheyWereAdded() {
		at("third", Duration.ofSeconds(30));
		at("first", Duration.ofSeconds(10));
		at("second", Duration.ofSeconds(20));
		at("fourth", Duration.ofSeconds(40));

		time.advanceTimeBy(Duration.ofSeconds(25));
		assertThat(fired).containsExactly("first", "second");

		time.advanceTimeBy(Duration.ofSeconds(25));
		assertThat(fired).containsExactly("first", "second", "third", "fourth");
	}

	@Test
	void entriesWithTheSameDeadlineExpireInTheOrderTheyWereAdded() {
		for (int i = 0; i < 50; i++) {
			at("e" + i, Duration.ofSeconds(10));
		}

		time.advanceTimeBy(Duration.ofSeconds(10));

		assertThat(fired).hasSize(50);
		for (int i = 0; i < 50; i++) {
			assertThat(fired.get(i)).isEqualTo("e" + i);
		}
	}

	@Test
	void aCancelledEntryNeverExpiresAndTheOthersStillDo() {
		Disposable a = at("a", Duration.ofSeconds(10));
		Disposable b = at("b", Duration.ofSeconds(20));
		at("c", Duration.ofSeconds(30));

		a.dispose();
		b.dispose();
		b.dispose();

		assertThat(a.isDisposed()).isTrue();
		assertThat(expiries.size()).isEqualTo(1);
		time.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(fired).containsExactly("c");
	}

	@Test
	void removingTheEarliestEntryKeepsTheHeapInOrder() {
		Disposable[] handles = new Disposable[100];
		for (int i = 0; i < 100; i++) {
			int d = (i * 37) % 100 + 1; // every second from 1 to 100, shuffled
			handles[i] = at(Integer.toString(d), Duration.ofSeconds(d));
		}
		for (int i = 0; i < 100; i += 3) {
			handles[i].dispose();
		}

		time.advanceTimeBy(Duration.ofSeconds(100));

		List<Integer> seconds = fired.stream().map(Integer::valueOf).toList();
		assertThat(seconds).hasSize(100 - 34).isSorted();
	}

	@Test
	void anEarlierDeadlineRearmsTheTask() {
		at("late", Duration.ofMinutes(10));
		at("early", Duration.ofSeconds(1));

		time.advanceTimeBy(Duration.ofSeconds(1));

		assertThat(fired).containsExactly("early");
		time.advanceTimeBy(Duration.ofMinutes(10));
		assertThat(fired).containsExactly("early", "late");
	}

	@Test
	void aThousandDeadlinesOfTheSameLengthArmOneTask() {
		for (int i = 0; i < 1000; i++) {
			at("e" + i, Duration.ofMinutes(5));
			time.advanceTimeBy(Duration.ofMillis(10));
		}

		assertThat(counted.scheduled()).isEqualTo(1);
		assertThat(expiries.size()).isEqualTo(1000);
		time.advanceTimeBy(Duration.ofMinutes(5));
		assertThat(fired).hasSize(1000);
	}

	@Test
	void anEntryCanBeQueuedAgainAfterItExpired() {
		int[] runs = { 0 };
		Expiries.Entry e = new Expiries.Entry() {
			@Override
			protected void expired() {
				if (++runs[0] < 3) {
					expiries.add(this, Duration.ofSeconds(1));
				}
			}
		};
		expiries.add(e, Duration.ofSeconds(1));

		time.advanceTimeBy(Duration.ofSeconds(10));

		assertThat(runs[0]).isEqualTo(3);
		assertThat(e.isDisposed()).isTrue();
	}

	@Test
	void aFailingEntryDoesNotStopTheOthers() {
		expiries.schedule(() -> {
			throw new IllegalStateException("boom");
		}, Duration.ofSeconds(1));
		at("after", Duration.ofSeconds(1));

		time.advanceTimeBy(Duration.ofSeconds(1));

		assertThat(fired).containsExactly("after");
	}

	@Test
	void afterDisposeNothingExpires() {
		at("a", Duration.ofSeconds(1));

		expiries.dispose();
		at("b", Duration.ofSeconds(1));
		time.advanceTimeBy(Duration.ofSeconds(2));

		assertThat(fired).isEmpty();
		assertThat(expiries.isDisposed()).isTrue();
	}

	@Test
	void afterEmitsOnceItsDelayPassed() {
		StepVerifier.withVirtualTime(() -> expiries.after(Duration.ofSeconds(30)), () -> time, Long.MAX_VALUE)
				.expectSubscription()
				.expectNoEvent(Duration.ofSeconds(29))
				.thenAwait(Duration.ofSeconds(1))
				.expectNext(0L)
				.verifyComplete();
	}

	@Test
	void afterWaitsForDemandBeforeEmitting() {
		StepVerifier.withVirtualTime(() -> expiries.after(Duration.ofSeconds(1)), () -> time, 0)
				.expectSubscription()
				.thenAwait(Duration.ofSeconds(5))
				.expectNoEvent(Duration.ofSeconds(1))
				.thenRequest(1)
				.expectNext(0L)
				.verifyComplete();
	}

	@Test
	void cancellingAfterRemovesItsDeadline() {
		StepVerifier.withVirtualTime(() -> expiries.after(Duration.ofSeconds(30)), () -> time, Long.MAX_VALUE)
				.expectSubscription()
				.then(() -> assertThat(expiries.size()).isEqualTo(1))
				.thenCancel()
				.verify();

		assertThat(expiries.size()).isZero();
	}

	@Test
	void timeoutSwitchesToTheFallbackAtTheDeadline() {
		Sinks.One<String> never = Sinks.one();
		StepVerifier.withVirtualTime(() -> expiries.timeout(never.asMono(), Duration.ofSeconds(10),
						Mono.just("expired")), () -> time, Long.MAX_VALUE)
				.expectSubscription()
				.expectNoEvent(Duration.ofSeconds(9))
				.thenAwait(Duration.ofSeconds(1))
				.expectNext("expired")
				.verifyComplete();
		assertThat(never.currentSubscriberCount()).isZero();
	}

	@Test
	void aSourceThatAnswersInTimeTakesItsDeadlineOutOfTheQueue() {
		Sinks.One<String> answer = Sinks.one();
		StepVerifier.withVirtualTime(() -> expiries.timeout(answer.asMono(), Duration.ofSeconds(10),
						Mono.just("expired")), () -> time, Long.MAX_VALUE)
				.expectSubscription()
				.then(() -> assertThat(expiries.size()).isEqualTo(1))
				.then(() -> answer.tryEmitValue("answered"))
				.expectNext("answered")
				.verifyComplete();

		assertThat(expiries.size()).isZero();
	}
}
