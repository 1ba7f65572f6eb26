// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

class StateStreamTest {

	final EmissionQueue emissions = new EmissionQueue();
	final AtomicInteger state = new AtomicInteger();

	private Flux<Integer> stream(StateStream<Integer> s) {
		return s.stream(() -> List.of(state.get()));
	}

	private void change(StateStream<Integer> s, int value) {
		emissions.execute(() -> {
			state.set(value);
			s.emit(value);
		});
	}

	@Test
	void aSubscriberGetsTheSnapshotThenEachChange() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 16);
		state.set(7);
		StepVerifier.create(stream(s))
				.expectNext(7)
				.then(() -> change(s, 8))
				.expectNext(8)
				.then(() -> change(s, 9))
				.expectNext(9)
				.then(() -> emissions.execute(s::complete))
				.verifyComplete();
	}

	@Test
	void aSubscriberWithoutDemandIsKeptItsEventsUntilItAsks() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 16);
		StepVerifier.create(stream(s), 0)
				.then(() -> {
					change(s, 1);
					change(s, 2);
				})
				.expectNoEvent(Duration.ofMillis(10))
				.thenRequest(2)
				.expectNext(0, 1)
				.thenRequest(1)
				.expectNext(2)
				.thenCancel()
				.verify();
		assertThat(s.size()).isZero();
	}

	@Test
	void aSubscriberThatFallsBehindTheBoundFailsAfterWhatItWasKept() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 3);
		StepVerifier.create(stream(s), 0)
				.then(() -> {
					for (int i = 1; i <= 5; i++) {
						change(s, i);
					}
				})
				.thenRequest(10)
				.expectNext(0, 1, 2)
				.expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("fell more than 3 events behind"))
				.verify(Duration.ofSeconds(5));
		assertThat(s.size()).isZero();
	}

	@Test
	void aSlowSubscriberOfALatestStreamGetsOnlyTheNewestChange() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.LATEST, 1);
		StepVerifier.create(stream(s), 0)
				.then(() -> {
					change(s, 1);
					change(s, 2);
					change(s, 3);
				})
				.thenRequest(5)
				.expectNext(3)
				.then(() -> change(s, 4))
				.expectNext(4)
				.thenCancel()
				.verify(Duration.ofSeconds(5));
	}

	@Test
	void aSlowSubscriberDoesNotHoldBackAFastOne() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 1_000);
		List<Integer> fast = new CopyOnWriteArrayList<>();
		stream(s).subscribe(fast::add);
		StepVerifier.create(stream(s), 0)
				.then(() -> {
					for (int i = 1; i <= 100; i++) {
						change(s, i);
					}
				})
				.then(() -> assertThat(fast).hasSize(101).endsWith(100))
				.thenRequest(Long.MAX_VALUE)
				.expectNextCount(101)
				.thenCancel()
				.verify(Duration.ofSeconds(5));
	}

	@Test
	void aSubscriberThatComesAfterCompletionCompletesAtOnce() {
		StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 16);
		emissions.execute(s::complete);
		StepVerifier.create(stream(s)).verifyComplete();
	}

	@Test
	void subscribingWhileChangesRaceSeesEveryChangeAfterItsSnapshotExactlyOnceAndInOrder() {
		for (int round = 0; round < 200; round++) {
			StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 10_000);
			state.set(0);
			List<Integer> seen = new CopyOnWriteArrayList<>();
			RaceTestUtils.race(() -> {
				for (int i = 1; i <= 50; i++) {
					change(s, i);
				}
			}, () -> stream(s).subscribe(seen::add));
			assertThat(seen).as("round %d", round).isNotEmpty().endsWith(50);
			for (int i = 1; i < seen.size(); i++) {
				assertThat(seen.get(i)).as("round %d: %s", round, seen).isEqualTo(seen.get(i - 1) + 1);
			}
		}
	}

	@Test
	void requestsRacingEmissionsLoseNothingAndDuplicateNothing() {
		for (int round = 0; round < 100; round++) {
			StateStream<Integer> s = new StateStream<>(emissions, StateStream.Overflow.ERROR, 10_000);
			state.set(0);
			List<Integer> seen = new CopyOnWriteArrayList<>();
			reactor.core.publisher.BaseSubscriber<Integer> subscriber = new reactor.core.publisher.BaseSubscriber<>() {
				@Override
				protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
				}

				@Override
				protected void hookOnNext(Integer value) {
					seen.add(value);
				}
			};
			stream(s).subscribe(subscriber);
			RaceTestUtils.race(() -> {
				for (int i = 1; i <= 100; i++) {
					change(s, i);
				}
			}, () -> {
				for (int i = 0; i <= 100; i++) {
					subscriber.request(1);
				}
			});
			assertThat(seen).as("round %d", round).hasSize(101);
			for (int i = 0; i < seen.size(); i++) {
				assertThat(seen.get(i)).isEqualTo(i);
			}
		}
	}
}
