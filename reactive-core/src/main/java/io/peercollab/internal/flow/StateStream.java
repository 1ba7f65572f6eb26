// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Supplier;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Fans the changes of a piece of state out to subscribers that each receive the current state first. Delivery is
 * direct: a subscriber with demand and nothing pending gets the event in the emitting call, with no queue in between
 * (the cost of a {@code directBestEffort} multicast sink); a subscriber without demand has its events kept until it
 * asks, so a slow one never holds back the writer nor the others. What a slow subscriber is kept is the
 * {@link Overflow} policy: the latest event only, or up to a bound past which it fails with an overflow error (it
 * may subscribe again for the current state).
 *
 * <p>{@link #emit}, {@link #complete} and the registration of new subscribers all run on the owner's
 * {@link EmissionQueue}, one at a time and in order, never under a lock: that makes every subscriber's stream the
 * snapshot it registered with, then exactly the changes that followed it.
 *
 * @param <E> the event type
 */
public final class StateStream<E> {

	/** What a subscriber that does not keep up is kept. */
	public enum Overflow {
		/** Only the newest undelivered event: for a value whose latest state is all that matters. */
		LATEST,
		/** Every event up to the bound, then an overflow error. */
		ERROR
	}

	private final EmissionQueue emissions;
	private final Overflow overflow;
	private final int bufferSize;
	private final List<Inner<E>> subscribers = new CopyOnWriteArrayList<>();
	/** Touched on the emission queue only. */
	private boolean completed;

	/**
	 * @param emissions the owner's emission queue, on which every emission and registration runs
	 * @param overflow what a slow subscriber is kept
	 * @param bufferSize with {@link Overflow#ERROR}, how many events one subscriber may fall behind
	 */
	public StateStream(EmissionQueue emissions, Overflow overflow, int bufferSize) {
		this.emissions = emissions;
		this.overflow = overflow;
		this.bufferSize = bufferSize;
	}

	/**
	 * @param snapshot called on the emission queue when a subscriber registers: the events describing the state as of
	 * the last change emitted
	 * @return a stream whose every subscriber starts with {@code snapshot}, then receives the changes
	 */
	public Flux<E> stream(Supplier<? extends Collection<E>> snapshot) {
		// every change emitted after registration reaches the subscriber: no change number to compare
		return streamAt(() -> new Snapshot<>(snapshot.get(), Long.MIN_VALUE));
	}

	/**
	 * The state as a new subscriber starts with it, and the sequence number of the last change it reflects: that
	 * subscriber is sent only the changes numbered after it (see {@link #emit(Object, long)}).
	 */
	record Snapshot<E>(Collection<E> events, long seq) {
	}

	/**
	 * For a room whose changes are numbered under its lock and emitted later, in order: each subscriber starts with
	 * the snapshot, read on the emission queue, and then receives exactly the changes numbered after it, whether their
	 * emission was queued before or after it registered.
	 *
	 * @param snapshot called on the emission queue when a subscriber registers; if it throws, the subscriber fails
	 * with that error
	 */
	Flux<E> streamAt(Supplier<Snapshot<E>> snapshot) {
		return new Flux<>() {
			@Override
			public void subscribe(CoreSubscriber<? super E> actual) {
				Inner<E> inner = new Inner<>(actual, StateStream.this);
				actual.onSubscribe(inner);
				emissions.execute(() -> {
					if (inner.cancelled) {
						return;
					}
					Snapshot<E> current;
					try {
						current = snapshot.get();
					}
					catch (RuntimeException e) {
						inner.fail(e);
						return;
					}
					if (completed) {
						inner.complete();
						return;
					}
					inner.after = current.seq();
					for (E e : current.events()) {
						inner.offer(e);
					}
					subscribers.add(inner);
				});
			}
		};
	}

	/** Sends {@code event} to every subscriber. Call on the emission queue. */
	public void emit(E event) {
		for (Inner<E> s : subscribers) {
			s.offer(event);
		}
	}

	/**
	 * Sends change number {@code seq} to every subscriber whose snapshot does not reflect it yet. Call on the
	 * emission queue.
	 */
	public void emit(E event, long seq) {
		for (Inner<E> s : subscribers) {
			if (seq > s.after) {
				s.offer(event);
			}
		}
	}

	/** Completes every subscriber, and those that come later at once. Call on the emission queue. */
	public void complete() {
		completed = true;
		for (Inner<E> s : subscribers) {
			s.complete();
		}
		subscribers.clear();
	}

	/** @return how many subscribers are registered */
	int size() {
		return subscribers.size();
	}

	/**
	 * One subscriber: its demand and what it is kept. Every {@code onNext} runs on the emission queue: events in the
	 * emitting task, kept events in a task that a request queues. That serializes the subscriber's signals without a
	 * lock or a drain loop of its own: a subscriber with unbounded demand costs a few volatile reads per event.
	 */
	static final class Inner<E> implements Subscription {

		@SuppressWarnings("rawtypes")
		static final AtomicLongFieldUpdater<Inner> REQUESTED = AtomicLongFieldUpdater.newUpdater(Inner.class,
				"requested");
		@SuppressWarnings("rawtypes")
		static final AtomicIntegerFieldUpdater<Inner> PENDING = AtomicIntegerFieldUpdater.newUpdater(Inner.class,
				"pending");

		final CoreSubscriber<? super E> actual;
		final StateStream<E> parent;
		volatile long requested;
		/** How many events are kept: in {@link #queue} (Overflow.ERROR) or in {@link #latest} (Overflow.LATEST). */
		volatile int pending;
		/** The kept event (Overflow.LATEST); touched on the emission queue only. */
		E latest;
		/** Created at the first event that cannot be delivered at once (Overflow.ERROR); emission queue only. */
		Queue<E> queue;
		volatile boolean cancelled;
		/** The last change number its snapshot reflects (see {@link #streamAt}); emission queue only. */
		long after = Long.MIN_VALUE;
		/** Set on the emission queue; the terminal signal waits for what is kept. */
		boolean done;
		Throwable error;

		Inner(CoreSubscriber<? super E> actual, StateStream<E> parent) {
			this.actual = actual;
			this.parent = parent;
		}

		/** On the emission queue. */
		void offer(E e) {
			if (cancelled || done) {
				return;
			}
			long r = requested;
			if (r != 0 && pending == 0) {
				if (r != Long.MAX_VALUE) {
					REQUESTED.decrementAndGet(this);
				}
				actual.onNext(e);
				return;
			}
			keep(e);
			// a request that came in between reading the demand and keeping the event may have missed it
			if (requested != 0) {
				drainKept();
			}
		}

		private void keep(E e) {
			if (parent.overflow == Overflow.LATEST) {
				latest = e;
				pending = 1;
				return;
			}
			if (pending >= parent.bufferSize) {
				parent.subscribers.remove(this);
				error = Exceptions.failWithOverflow("subscriber fell more than " + parent.bufferSize
						+ " events behind; subscribe again for the current state");
				done = true;
				return;
			}
			Queue<E> q = queue;
			if (q == null) {
				q = new java.util.ArrayDeque<>();
				queue = q;
			}
			q.offer(e);
			PENDING.incrementAndGet(this);
		}

		/** On the emission queue: fails at once, without what is kept. */
		void fail(Throwable t) {
			if (done) {
				return;
			}
			clear();
			error = t;
			done = true;
			drainKept();
		}

		/** On the emission queue. */
		public void complete() {
			if (done) {
				return;
			}
			done = true;
			drainKept();
		}

		/** On the emission queue: delivers what is kept, as far as the demand goes, then the terminal signal. */
		private void drainKept() {
			for (;;) {
				if (cancelled) {
					clear();
					return;
				}
				if (pending == 0) {
					if (done) {
						cancelled = true;
						Throwable t = error;
						if (t != null) {
							actual.onError(t);
						}
						else {
							actual.onComplete();
						}
					}
					return;
				}
				long r = requested;
				if (r == 0) {
					return;
				}
				E e;
				if (parent.overflow == Overflow.LATEST) {
					e = latest;
					latest = null;
				}
				else {
					e = queue.poll();
				}
				PENDING.decrementAndGet(this);
				if (r != Long.MAX_VALUE) {
					REQUESTED.decrementAndGet(this);
				}
				actual.onNext(e);
			}
		}

		private void clear() {
			latest = null;
			if (queue != null) {
				queue.clear();
			}
			pending = 0;
		}

		@Override
		public void request(long n) {
			if (Operators.validate(n)) {
				Operators.addCap(REQUESTED, this, n);
				if (pending != 0) {
					parent.emissions.execute(this::drainKept);
				}
			}
		}

		@Override
		public void cancel() {
			if (!cancelled) {
				cancelled = true;
				parent.subscribers.remove(this);
				if (pending != 0) {
					parent.emissions.execute(this::clear);
				}
			}
		}
	}
}
