// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A queue between producers and one consumer at a time, where each item carries a {@link Ticket} that is punched once
 * the consumer has taken the item (its {@code onNext} returned): that is how session messages keep end-to-end flow
 * control across the hops of a session. Producers bound what they put here themselves, by a credit window that the
 * tickets replenish (a channel's REQUEST_N, a sender's requests to its publisher); the buffer holds what they put.
 *
 * <p>The consumer may cancel and another subscribe later: what was not taken waits for it. Once closed, a consumer
 * receives what is left and then the terminal signal, and so does every later one. A buffer made to {@code discard}
 * (the outbound side of a channel, which nobody consumes again once its channel is gone) instead drops what is left
 * when it is closed and its consumer has cancelled, punching the tickets as not delivered.
 *
 * <p>No subscriber is called under the buffer's lock: items are taken under it, emitted after it, in a drain loop.
 *
 * @param <T> the item type
 */
final class MessageBuffer<T> {

	/** What is told once an item was taken from the buffer (or dropped). */
	interface Ticket {

		/**
		 * @param delivered {@code true} if the consumer took the item, {@code false} if it was dropped because the
		 * buffer closed without a consumer, or because the buffer was closed when it was offered
		 */
		void done(boolean delivered);
	}

	/** A ticket for several buffers: tells its owner once every one of them took (or dropped) the item. */
	static final class CountDown extends AtomicInteger implements Ticket {

		private final Ticket owner;
		private volatile boolean allDelivered = true;

		CountDown(int count, Ticket owner) {
			super(count);
			this.owner = owner;
		}

		@Override
		public void done(boolean delivered) {
			if (!delivered) {
				allDelivered = false;
			}
			if (decrementAndGet() == 0) {
				owner.done(allDelivered);
			}
		}
	}

	private final boolean discard;
	private final ArrayDeque<Object> queue = new ArrayDeque<>(); // item, ticket, item, ticket...; guarded by this
	private final AtomicInteger wip = new AtomicInteger();
	private Consumer current; // guarded by this
	private boolean everSubscribed; // guarded by this
	private boolean closed; // guarded by this
	private Throwable cause; // guarded by this

	/**
	 * @param discard whether to drop what is left once closed without a consumer (an outbound buffer), instead of
	 * keeping it for a later one (the receive buffer)
	 */
	MessageBuffer(boolean discard) {
		this.discard = discard;
	}

	/**
	 * @return {@code false}, and the ticket is not punched, if the buffer is closed: the item was not queued
	 */
	boolean offer(T item, Ticket ticket) {
		synchronized (this) {
			if (closed) {
				return false;
			}
			queue.add(item);
			queue.add(ticket);
		}
		drain();
		return true;
	}

	/** @return the items, for one consumer at a time; completes once closed and drained */
	Flux<T> flux() {
		return new Flux<>() {
			@Override
			public void subscribe(CoreSubscriber<? super T> actual) {
				Consumer c = new Consumer(actual);
				synchronized (MessageBuffer.this) {
					if (current != null) {
						c = null;
					}
					else {
						current = c;
						everSubscribed = true;
					}
				}
				if (c == null) {
					Operators.error(actual, new IllegalStateException(
							"a session's messages go to one subscriber at a time; this one has a subscriber already"));
					return;
				}
				actual.onSubscribe(c);
				drain();
			}
		};
	}

	/** Closes the buffer: the consumer completes after what is buffered. */
	void close() {
		end(null);
	}

	/** Closes the buffer because its producer failed: the consumer receives what is buffered, then {@code cause}. */
	void fail(Throwable cause) {
		end(cause);
	}

	private void end(Throwable error) {
		synchronized (this) {
			if (closed) {
				return;
			}
			closed = true;
			cause = error;
		}
		dropIfNobodyConsumes();
		drain();
	}

	/** @return whether {@link #close} or {@link #fail} was called */
	synchronized boolean isClosed() {
		return closed;
	}

	private void dropIfNobodyConsumes() {
		List<Object> dropped;
		synchronized (this) {
			if (!discard || !closed || current != null || !everSubscribed || queue.isEmpty()) {
				return;
			}
			dropped = new ArrayList<>(queue);
			queue.clear();
		}
		for (int i = 1; i < dropped.size(); i += 2) {
			((Ticket) dropped.get(i)).done(false);
		}
	}

	@SuppressWarnings("unchecked")
	private void drain() {
		if (wip.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		for (;;) {
			for (;;) {
				Consumer c;
				Object item = null;
				Object ticket = null;
				boolean terminate = false;
				Throwable error = null;
				synchronized (this) {
					c = current;
					if (c == null || c.cancelled) {
						break;
					}
					if (queue.isEmpty()) {
						if (!closed) {
							break;
						}
						terminate = true;
						error = cause;
						// a later subscriber receives the terminal signal too; this one is done
						current = null;
					}
					else if (c.requested == 0) {
						break;
					}
					else {
						item = queue.poll();
						ticket = queue.poll();
					}
				}
				if (terminate) {
					if (error != null) {
						c.actual.onError(error);
					}
					else {
						c.actual.onComplete();
					}
					break;
				}
				if (c.requested != Long.MAX_VALUE) {
					Consumer.REQUESTED.decrementAndGet(c);
				}
				c.actual.onNext((T) item);
				((Ticket) ticket).done(true);
			}
			missed = wip.addAndGet(-missed);
			if (missed == 0) {
				return;
			}
		}
	}

	private final class Consumer implements Subscription {

		static final AtomicLongFieldUpdater<MessageBuffer.Consumer> REQUESTED =
				AtomicLongFieldUpdater.newUpdater(MessageBuffer.Consumer.class, "requested");

		final CoreSubscriber<? super T> actual;
		volatile long requested;
		volatile boolean cancelled;

		Consumer(CoreSubscriber<? super T> actual) {
			this.actual = actual;
		}

		@Override
		@SuppressWarnings({"unchecked", "rawtypes"})
		public void request(long n) {
			if (Operators.validate(n)) {
				Operators.addCap((AtomicLongFieldUpdater) REQUESTED, this, n);
				drain();
			}
		}

		@Override
		public void cancel() {
			cancelled = true;
			synchronized (MessageBuffer.this) {
				if (current == this) {
					current = null;
				}
			}
			dropIfNobodyConsumes();
		}
	}
}
