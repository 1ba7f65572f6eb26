package io.peercollab.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * Fans the changes of a piece of state out to subscribers that each first receive the current state. Every subscriber
 * has its own bounded buffer, so a slow one never blocks the writer nor the others; a subscriber that falls at least
 * {@code bufferSize} events behind fails with an overflow error (it may subscribe again for the current state).
 *
 * <p>{@link #subscribe} and {@link #emit} must be called under the owner's lock: that makes the snapshot and the
 * changes that follow it gap-free and duplicate-free, and serializes emission into each sink.
 *
 * @param <E> the event type
 */
final class StateFanout<E> {

	private final int bufferSize;
	private final List<Sinks.Many<E>> subscribers = new CopyOnWriteArrayList<>();

	/**
	 * @param bufferSize how many events one subscriber may fall behind
	 */
	public StateFanout(int bufferSize) {
		this.bufferSize = bufferSize;
	}

	/**
	 * Registers a subscriber whose stream starts with {@code snapshot}. Call under the owner's lock.
	 *
	 * @param snapshot the events describing the current state
	 * @return the subscriber's stream
	 */
	public Flux<E> subscribe(List<E> snapshot) {
		Sinks.Many<E> sink = Sinks.many().unicast()
				.onBackpressureBuffer(Queues.<E>get(Math.max(bufferSize, snapshot.size() + bufferSize)).get());
		for (E e : snapshot) {
			sink.tryEmitNext(e).orThrow();
		}
		subscribers.add(sink);
		return sink.asFlux().doFinally(s -> subscribers.remove(sink));
	}

	/**
	 * A stream that registers when subscribed, taking the snapshot then under {@code lock}.
	 */
	public Flux<E> stream(Object lock, Supplier<List<E>> snapshot) {
		return Flux.defer(() -> {
			synchronized (lock) {
				return subscribe(snapshot.get());
			}
		});
	}

	/**
	 * Sends an event to every subscriber. Call under the owner's lock.
	 */
	public void emit(E event) {
		for (Sinks.Many<E> sink : subscribers) {
			Sinks.EmitResult result = sink.tryEmitNext(event);
			if (result == Sinks.EmitResult.FAIL_OVERFLOW) {
				subscribers.remove(sink);
				sink.tryEmitError(Exceptions.failWithOverflow(
						"subscriber fell more than " + bufferSize + " events behind; subscribe again for the current state"));
			}
			else if (result.isFailure()) {
				// cancelled or terminated: the subscriber is gone
				subscribers.remove(sink);
			}
		}
	}

	/** Completes every subscriber. Call under the owner's lock. */
	public void complete() {
		for (Sinks.Many<E> sink : subscribers) {
			sink.tryEmitComplete();
		}
		subscribers.clear();
	}

	/** @return how many subscribers are registered */
	public int size() {
		return subscribers.size();
	}
}
