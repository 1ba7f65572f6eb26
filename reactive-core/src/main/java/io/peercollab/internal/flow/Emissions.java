// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.function.Supplier;

import reactor.core.publisher.Sinks;

/**
 * Emits into a sink that several threads may emit into at once, without holding a lock while the sink's subscribers
 * run: a {@code FAIL_NON_SERIALIZED} result means another thread is emitting right now, and the emission is retried
 * until it gets its turn. A thread that is already emitting (a subscriber that causes another emission from inside its
 * {@code onNext}) is never made to wait for itself: it gets {@code FAIL_NON_SERIALIZED} back. Every other result is
 * returned for the caller to act on.
 */
public final class Emissions {

	/** How many emissions through this class the current thread is inside of. */
	private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

	private Emissions() {
	}

	/** @return the result of emitting {@code value} */
	public static <T> Sinks.EmitResult next(Sinks.Many<T> sink, T value) {
		return emit(() -> sink.tryEmitNext(value));
	}

	/** @return the result of completing {@code sink} */
	public static Sinks.EmitResult complete(Sinks.Many<?> sink) {
		return emit(sink::tryEmitComplete);
	}

	private static Sinks.EmitResult emit(Supplier<Sinks.EmitResult> attempt) {
		int[] depth = DEPTH.get();
		depth[0]++;
		try {
			Sinks.EmitResult r;
			while ((r = attempt.get()) == Sinks.EmitResult.FAIL_NON_SERIALIZED && depth[0] == 1) {
				Thread.onSpinWait();
			}
			return r;
		}
		finally {
			depth[0]--;
		}
	}
}
