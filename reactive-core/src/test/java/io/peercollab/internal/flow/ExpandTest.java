// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import static org.assertj.core.api.Assertions.assertThat;

class ExpandTest {

	/** Item n becomes n copies of itself. */
	private static Flux<Integer> copies(Flux<Integer> source) {
		return new Expand<Integer, Integer>(source, (n, out) -> {
			for (int i = 0; i < n; i++) {
				out.accept(n);
			}
		});
	}

	@Test
	void eachItemBecomesZeroOrMoreItemsInOrder() {
		StepVerifier.create(copies(Flux.just(1, 0, 3, 2)))
				.expectNext(1, 3, 3, 3, 2, 2)
				.verifyComplete();
	}

	@Test
	void deliversNoMoreThanRequestedAndTheCompletionOnlyAfterEveryItem() {
		StepVerifier.create(copies(Flux.just(3, 2)), 0)
				.expectSubscription()
				.expectNoEvent(Duration.ofMillis(20))
				.thenRequest(2)
				.expectNext(3, 3)
				.expectNoEvent(Duration.ofMillis(20))
				.thenRequest(3)
				.expectNext(3, 2, 2)
				.verifyComplete();
	}

	@Test
	void anErrorOfTheSourceComesAfterTheItemsBeforeIt() {
		StepVerifier.create(copies(Flux.just(2).concatWith(Flux.error(new IllegalStateException("boom")))), 1)
				.expectNext(2)
				.expectNoEvent(Duration.ofMillis(20))
				.thenRequest(1)
				.expectNext(2)
				.verifyErrorMessage("boom");
	}

	@Test
	void anExpanderThatThrowsCancelsTheSourceAndFails() {
		TestPublisher<Integer> source = TestPublisher.create();
		Flux<Integer> expanded = new Expand<Integer, Integer>(source.flux(), (n, out) -> {
			if (n < 0) {
				throw new IllegalArgumentException("negative: " + n);
			}
			out.accept(n);
		});
		StepVerifier.create(expanded)
				.then(() -> source.next(1, -1))
				.expectNext(1)
				.verifyErrorMessage("negative: -1");
		source.assertCancelled();
	}

	@Test
	void theSourceIsAskedForAPrefetchAndReplenishedAsItsItemsAreDelivered() {
		List<Long> requests = new CopyOnWriteArrayList<>();
		Flux<Integer> source = Flux.range(0, 1_000).map(i -> 1).doOnRequest(requests::add);
		StepVerifier.create(copies(source), 0)
				.expectSubscription()
				.then(() -> assertThat(requests).containsExactly((long) Expand.PREFETCH))
				.thenRequest(Expand.LIMIT - 1)
				.expectNextCount(Expand.LIMIT - 1)
				.then(() -> assertThat(requests).hasSize(1))
				.thenRequest(1)
				.expectNextCount(1)
				.then(() -> assertThat(requests).containsExactly((long) Expand.PREFETCH, (long) Expand.LIMIT))
				.thenRequest(Long.MAX_VALUE)
				.expectNextCount(1_000 - Expand.LIMIT)
				.verifyComplete();
	}

	@Test
	void cancellingCancelsTheSource() {
		AtomicBoolean cancelled = new AtomicBoolean();
		StepVerifier.create(copies(Flux.<Integer>never().doOnCancel(() -> cancelled.set(true))))
				.thenCancel()
				.verify();
		assertThat(cancelled).isTrue();
	}
}
