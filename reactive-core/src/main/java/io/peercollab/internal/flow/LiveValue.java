// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.Objects;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A value that changes while something lives, such as the path of one connection: read it now with {@link #get()},
 * or follow it with {@link #changes()}, which emits the value now, then each change, and completes at {@link #close()}.
 * Only the latest value matters: a subscriber that does not keep up may miss intermediate values, never the latest.
 * Safe to set from several threads; no subscriber code runs under a lock.
 *
 * @param <T> the value's type
 */
public final class LiveValue<T> {

	private final SerialSink<T> sink = new SerialSink<>(Sinks.many().replay().latest());
	private volatile T value;

	/** @param initial the value until the first {@link #set} */
	public LiveValue(T initial) {
		this.value = Objects.requireNonNull(initial, "initial");
		sink.next(initial);
	}

	/** @return the value now */
	public T get() {
		return value;
	}

	/**
	 * Sets the value and emits it if it changed; does nothing once closed.
	 *
	 * @param next the new value
	 */
	public void set(T next) {
		Objects.requireNonNull(next, "next");
		synchronized (this) {
			if (next.equals(value)) {
				return;
			}
			value = next;
			// queued in the order of the changes, emitted after the lock is released: the last set is emitted last
			sink.submitNext(next);
		}
		sink.drain();
	}

	/** @return the value now, then each change; completes at {@link #close()}; repeats no value twice in a row */
	public Flux<T> changes() {
		return sink.asFlux().distinctUntilChanged().onBackpressureLatest();
	}

	/** Completes {@link #changes()}; idempotent. */
	public void close() {
		sink.complete();
	}
}
