// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A sink that any thread may emit into at any time, also from inside a subscriber of this sink or of another one,
 * and whose emissions are never lost for being concurrent: every emission goes through this sink's own
 * {@link EmissionQueue}, so it runs now when nobody else is emitting, and otherwise is run, in order, by the thread
 * whose emission is in progress as soon as that one returns (reactor-core's drain loop). Nobody waits, nobody spins,
 * and no subscriber code runs under a lock. The wrapped sink is private, so {@code FAIL_NON_SERIALIZED} cannot happen.
 *
 * <p>What is left are the refusals that the kind of sink means (no subscriber of a best-effort sink, a full buffer, a
 * completed sink): {@link #next(Object)} drops such a value, as the sink's kind says; a caller that must act on a
 * refusal uses {@link #next(Object, Consumer)}. An owner that orders its changes under a lock
 * {@linkplain #submitNext submits} under the lock and {@linkplain #drain drains} after releasing it.
 *
 * @param <T> the type of the values
 */
public final class SerialSink<T> {

	private static final Logger log = LoggerFactory.getLogger(SerialSink.class);
	private static final Consumer<Sinks.EmitResult> DROP = r -> {
	};

	private final Sinks.Many<T> sink;
	private final EmissionQueue queue = new EmissionQueue();

	/** @param sink the sink to emit into; nothing else may emit into it */
	public SerialSink(Sinks.Many<T> sink) {
		this.sink = Objects.requireNonNull(sink, "sink");
	}

	/** @return the values emitted, as the wrapped sink's kind serves them */
	public Flux<T> asFlux() {
		return sink.asFlux();
	}

	/** Emits {@code value}, now or after the emission in progress; drops it if the sink refuses it. */
	public void next(T value) {
		next(value, DROP);
	}

	/**
	 * Emits {@code value}, now or after the emission in progress.
	 *
	 * @param onFailure told the result, on the thread that emits, if the sink refuses {@code value}
	 */
	public void next(T value, Consumer<Sinks.EmitResult> onFailure) {
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(onFailure, "onFailure");
		if (queue.enterIfIdle()) {
			// nobody emits and nothing waits: emitted here, without a task and a queue node of its own
			try {
				emit(value, onFailure);
			}
			catch (RuntimeException | Error e) {
				log.error("an emission failed; the next one runs", e);
			}
			finally {
				queue.leave();
			}
			return;
		}
		submitNext(value, onFailure);
		drain();
	}

	/** Queues {@code value} without emitting it; {@link #drain()} once the lock that ordered it is released. */
	public void submitNext(T value) {
		submitNext(value, DROP);
	}

	/**
	 * Queues {@code value} without emitting it; {@link #drain()} once the lock that ordered it is released.
	 *
	 * @param onFailure told the result, on the thread that emits, if the sink refuses {@code value}
	 */
	public void submitNext(T value, Consumer<Sinks.EmitResult> onFailure) {
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(onFailure, "onFailure");
		queue.submit(() -> emit(value, onFailure));
	}

	private void emit(T value, Consumer<Sinks.EmitResult> onFailure) {
		Sinks.EmitResult r = sink.tryEmitNext(value);
		if (r.isFailure()) {
			failed(r);
			onFailure.accept(r);
		}
	}

	/** Completes the sink after the emissions queued before; idempotent. */
	public void complete() {
		queue.execute(() -> {
			Sinks.EmitResult r = sink.tryEmitComplete();
			if (r.isFailure() && r != Sinks.EmitResult.FAIL_TERMINATED) {
				failed(r);
			}
		});
	}

	/** Runs the queued emissions, unless another thread is running them, in which case that thread runs them too. */
	public void drain() {
		queue.drain();
	}

	private void failed(Sinks.EmitResult r) {
		if (r == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
			// only this class emits into the sink, one at a time: this is a bug, never a race to shrug off
			log.error("a serial sink was emitted into from elsewhere: {}", sink);
		}
	}
}
