// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import reactor.core.publisher.Flux;

/**
 * Fans the changes of a room's state out to subscribers that each first receive the current state, without ever
 * running subscriber code under the room's lock. The room changes its state under its lock and {@link #emit}s there,
 * which only numbers the change and queues its emission; whichever thread then releases the lock delivers the queued
 * emissions by {@link #drain()}ing (every {@code synchronized (lock)} block of the room ends in a
 * {@code finally { fanout.drain(); }}). A new subscriber's snapshot is read under the lock on the emission queue,
 * with the number of the last change it reflects, so that its stream is the snapshot, then exactly the changes that
 * followed it.
 *
 * <p>Every subscriber has its own bounded buffer, so a slow one never blocks the writer nor the others; a subscriber
 * that falls {@code bufferSize} events behind fails with an overflow error (it may subscribe again for the current
 * state). {@link #complete()} completes the subscribers of now; later subscribers start afresh (a room that signs in
 * again).
 *
 * @param <E> the event type
 */
public final class StateFanout<E> {

	private final Object lock;
	private final int bufferSize;
	/** Sees every event after its subscribers were given it, on the emission queue: never under the lock. */
	private final Consumer<? super E> listener;
	private final EmissionQueue emissions = new EmissionQueue();
	// guarded by lock
	private StateStream<E> current;
	private long seq;

	/**
	 * @param lock the room's lock, under which {@link #emit} and {@link #complete} are called
	 * @param bufferSize how many events one subscriber may fall behind
	 */
	public StateFanout(Object lock, int bufferSize) {
		this(lock, bufferSize, null);
	}

	/**
	 * @param lock the room's lock, under which {@link #emit} and {@link #complete} are called
	 * @param bufferSize how many events one subscriber may fall behind
	 * @param listener sees every event, whether or not anyone subscribes, in order, on the emission queue (never under
	 * the lock); {@code null} for none
	 */
	public StateFanout(Object lock, int bufferSize, Consumer<? super E> listener) {
		this.lock = lock;
		this.bufferSize = bufferSize;
		this.listener = listener;
		this.current = new StateStream<>(emissions, StateStream.Overflow.ERROR, bufferSize);
	}

	/**
	 * @param snapshot the events describing the current state; called under the lock, on the emission queue. If it
	 * throws (the room is closed), the subscriber fails with that error.
	 * @return a stream whose every subscriber starts with the snapshot, then receives the changes that follow it
	 */
	public Flux<E> stream(Supplier<List<E>> snapshot) {
		return Flux.defer(() -> {
			StateStream<E> target;
			synchronized (lock) {
				target = current;
			}
			return target.streamAt(() -> {
				synchronized (lock) {
					return new StateStream.Snapshot<>(snapshot.get(), seq);
				}
			});
		});
	}

	/** Queues {@code event} for every subscriber. Call under the lock; {@link #drain()} after releasing it. */
	public void emit(E event) {
		long number = ++seq;
		StateStream<E> target = current;
		if (listener == null) {
			emissions.submit(() -> target.emit(event, number));
		}
		else {
			emissions.submit(() -> {
				target.emit(event, number);
				listener.accept(event);
			});
		}
	}

	/** Completes every subscriber of now, after what was emitted before. Call under the lock, then drain. */
	public void complete() {
		StateStream<E> old = current;
		current = new StateStream<>(emissions, StateStream.Overflow.ERROR, bufferSize);
		emissions.submit(old::complete);
	}

	/**
	 * Delivers what is queued, unless this thread still holds the lock (a nested block: its outermost block drains).
	 */
	public void drain() {
		if (!Thread.holdsLock(lock)) {
			emissions.drain();
		}
	}

}
