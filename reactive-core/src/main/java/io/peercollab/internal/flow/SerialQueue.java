// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Runs asynchronous operations one after the other, in submission order, without blocking a thread: sign-in,
 * sign-out and close of one endpoint must not interleave.
 */
public final class SerialQueue {

	private final SerialSink<Mono<Void>> queue = new SerialSink<>(Sinks.many().unicast().onBackpressureBuffer());

	public SerialQueue() {
		queue.asFlux().concatMap(op -> op.onErrorResume(e -> Mono.empty()), 1).subscribe();
	}

	/**
	 * @return {@code op}, run after every operation submitted before it; subscribing submits it
	 */
	public <T> Mono<T> submit(Mono<T> op) {
		return Mono.defer(() -> {
			Sinks.One<T> result = Sinks.one();
			Mono<Void> step = op.doOnNext(result::tryEmitValue)
					.doOnError(result::tryEmitError)
					.doOnSuccess(v -> {
						if (v == null) {
							result.tryEmitEmpty();
						}
					})
					.doOnCancel(() -> result.tryEmitError(new IllegalStateException("cancelled")))
					.then();
			// a caller racing with another, or submitting from inside a running operation, is queued behind it
			queue.next(step);
			return result.asMono();
		});
	}
}
