package io.peercollab.internal;

import java.util.ArrayDeque;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A bounded buffer between producers and one consumer that slows producers down instead of dropping or failing: an
 * {@link #offer} completes at once while fewer than {@code capacity} items wait, and otherwise only when the consumer
 * has taken one. This is how session messages keep end-to-end flow control across the hops of a session.
 *
 * @param <T> the item type
 */
final class MessageBuffer<T> {

	private final int capacity;
	private final Sinks.Many<T> sink = Sinks.many().unicast().onBackpressureBuffer();
	private final ArrayDeque<Waiter<T>> waiters = new ArrayDeque<>();
	private int queued;
	private boolean closed;

	private record Waiter<T>(T item, MonoSink<Void> sink) {
	}

	/**
	 * @param capacity how many items may wait for the consumer before producers wait
	 */
	public MessageBuffer(int capacity) {
		this.capacity = capacity;
	}

	/**
	 * @return completes when the item is buffered; fails with {@code closedError} if the buffer is closed
	 */
	public Mono<Void> offer(T item, java.util.function.Supplier<? extends Throwable> closedError) {
		return Mono.create(s -> {
			synchronized (this) {
				if (closed) {
					s.error(closedError.get());
					return;
				}
				if (queued < capacity) {
					queued++;
					sink.tryEmitNext(item);
					s.success();
				}
				else {
					waiters.add(new Waiter<>(item, s));
				}
			}
		});
	}

	/** @return the items, for the single consumer; completes once closed and drained */
	public Flux<T> flux() {
		return sink.asFlux().doOnNext(x -> taken());
	}

	private void taken() {
		synchronized (this) {
			queued--;
			Waiter<T> w = waiters.poll();
			if (w != null) {
				queued++;
				sink.tryEmitNext(w.item());
				w.sink().success();
			}
		}
	}

	/**
	 * Closes the buffer: the consumer completes after what is buffered; waiting producers fail.
	 */
	public void close(java.util.function.Supplier<? extends Throwable> closedError) {
		end(closedError, null);
	}

	/**
	 * Closes the buffer because its producer failed: the consumer receives what is buffered, then {@code cause};
	 * waiting producers fail with {@code closedError}.
	 */
	public void fail(java.util.function.Supplier<? extends Throwable> closedError, Throwable cause) {
		end(closedError, cause);
	}

	private void end(java.util.function.Supplier<? extends Throwable> closedError, Throwable cause) {
		synchronized (this) {
			if (closed) {
				return;
			}
			closed = true;
			// a unicast sink delivers what it buffered before the terminal signal
			if (cause == null) {
				sink.tryEmitComplete();
			}
			else {
				sink.tryEmitError(cause);
			}
			Waiter<T> w;
			while ((w = waiters.poll()) != null) {
				w.sink().error(closedError.get());
			}
		}
	}

	/** @return whether {@link #close} was called */
	public synchronized boolean isClosed() {
		return closed;
	}
}
