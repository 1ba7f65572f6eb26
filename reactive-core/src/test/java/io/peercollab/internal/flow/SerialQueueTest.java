// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/** Operations run one after the other, also one submitted from inside a running operation. */
class SerialQueueTest {

	@Test
	void anOperationSubmittedFromInsideARunningOneRunsAfterItWithoutWaiting() {
		SerialQueue queue = new SerialQueue();
		List<String> order = new CopyOnWriteArrayList<>();
		AtomicReference<Mono<String>> inner = new AtomicReference<>();
		Mono<String> outer = queue.submit(Mono.fromCallable(() -> {
			order.add("outer starts");
			Mono<String> in = queue.submit(Mono.fromCallable(() -> {
				order.add("inner");
				return "i";
			})).cache();
			inner.set(in);
			in.subscribe();
			order.add("outer ends");
			return "o";
		}));
		StepVerifier.create(outer).expectNext("o").expectComplete().verify(Duration.ofSeconds(5));
		StepVerifier.create(inner.get()).expectNext("i").expectComplete().verify(Duration.ofSeconds(5));
		assertThat(order).containsExactly("outer starts", "outer ends", "inner");
	}
}
