// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Consumer;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * Turns each item of a source into zero or more items, in order and with backpressure: what
 * {@code concatMapIterable} does, without an {@code Iterable}, a spliterator and an iterator per item (a remote
 * peer's event stream expands nearly every item into exactly one event, and runs once per follower per change).
 *
 * <p>The expander writes its items into the {@code Consumer} it is given, synchronously. The source is asked for
 * {@code Queues.SMALL_BUFFER_SIZE} (256 unless {@code reactor.bufferSize.small} says otherwise) items up front and
 * replenished by three quarters of that once that many of its items have been fully delivered downstream, as
 * {@code concatMapIterable} does; what is held at most is the outputs of that many source items. An expander that throws cancels the source and errors downstream. A terminal
 * signal of the source is delivered after every item before it.
 *
 * @param <T> the source's items
 * @param <R> the items delivered downstream
 */
public final class Expand<T, R> extends FluxOperator<T, R> {

	/** Writes the items that one source item becomes. */
	@FunctionalInterface
	public interface Expander<T, R> {

		void expand(T item, Consumer<? super R> out);
	}

	static final int PREFETCH = Queues.SMALL_BUFFER_SIZE;
	static final int LIMIT = PREFETCH - (PREFETCH >> 2);

	private final Expander<? super T, ? extends R> expander;

	public Expand(Flux<? extends T> source, Expander<? super T, ? extends R> expander) {
		super(source);
		this.expander = expander;
	}

	@Override
	public void subscribe(CoreSubscriber<? super R> actual) {
		source.subscribe(new ExpandSubscriber<T, R>(actual, expander));
	}

	static final class ExpandSubscriber<T, R> implements CoreSubscriber<T>, Subscription, Consumer<R> {

		/** Queued after the outputs of each source item: that item is fully delivered once it is polled. */
		private static final Object END_OF_ITEM = new Object();

		@SuppressWarnings("rawtypes")
		static final AtomicIntegerFieldUpdater<ExpandSubscriber> WIP =
				AtomicIntegerFieldUpdater.newUpdater(ExpandSubscriber.class, "wip");
		@SuppressWarnings("rawtypes")
		static final AtomicLongFieldUpdater<ExpandSubscriber> REQUESTED =
				AtomicLongFieldUpdater.newUpdater(ExpandSubscriber.class, "requested");

		private final CoreSubscriber<? super R> actual;
		private final Expander<? super T, ? extends R> expander;
		/** Written by onNext only (one producer), read by the drain loop only (one consumer). */
		private final Queue<Object> queue = Queues.<Object>unbounded(Queues.SMALL_BUFFER_SIZE).get();

		private Subscription upstream;
		private volatile int wip;
		private volatile long requested;
		private volatile boolean done;
		private volatile boolean cancelled;
		private Throwable error;
		// drain loop only
		private long emitted;
		private int consumed;

		ExpandSubscriber(CoreSubscriber<? super R> actual, Expander<? super T, ? extends R> expander) {
			this.actual = actual;
			this.expander = expander;
		}

		@Override
		public reactor.util.context.Context currentContext() {
			return actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				actual.onSubscribe(this);
				s.request(PREFETCH);
			}
		}

		@Override
		public void onNext(T item) {
			if (done) {
				Operators.onNextDropped(item, actual.currentContext());
				return;
			}
			try {
				expander.expand(item, this);
			}
			catch (Throwable e) {
				onError(Operators.onOperatorError(upstream, e, item, actual.currentContext()));
				return;
			}
			queue.offer(END_OF_ITEM);
			drain();
		}

		/** An output of the item being expanded. */
		@Override
		public void accept(R r) {
			queue.offer(r);
		}

		@Override
		public void onError(Throwable t) {
			if (done) {
				Operators.onErrorDropped(t, actual.currentContext());
				return;
			}
			error = t;
			done = true;
			drain();
		}

		@Override
		public void onComplete() {
			if (done) {
				return;
			}
			done = true;
			drain();
		}

		@Override
		public void request(long n) {
			if (Operators.validate(n)) {
				Operators.addCap(REQUESTED, this, n);
				drain();
			}
		}

		@Override
		public void cancel() {
			if (!cancelled) {
				cancelled = true;
				upstream.cancel();
				if (WIP.getAndIncrement(this) == 0) {
					queue.clear();
				}
			}
		}

		@SuppressWarnings("unchecked")
		private void drain() {
			if (WIP.getAndIncrement(this) != 0) {
				return;
			}
			int missed = 1;
			for (;;) {
				long r = requested;
				long e = emitted;
				for (;;) {
					if (cancelled) {
						queue.clear();
						return;
					}
					boolean d = done;
					Object o = queue.peek();
					if (o == null) {
						if (d) {
							Throwable ex = error;
							if (ex != null) {
								actual.onError(ex);
							}
							else {
								actual.onComplete();
							}
							return;
						}
						break;
					}
					if (o == END_OF_ITEM) {
						queue.poll();
						if (++consumed == LIMIT) {
							consumed = 0;
							upstream.request(LIMIT);
						}
						continue;
					}
					if (e == r) {
						break;
					}
					queue.poll();
					actual.onNext((R) o);
					e++;
				}
				emitted = e;
				missed = WIP.addAndGet(this, -missed);
				if (missed == 0) {
					break;
				}
			}
		}
	}
}
