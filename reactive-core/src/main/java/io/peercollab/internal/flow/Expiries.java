// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The deadlines of one endpoint (invitation expiries, session-open waits, idle connections) on one timer task: a queue
 * ordered by deadline, and at most one task armed on the {@link Scheduler} for the earliest of them. Not API.
 *
 * <p>Arming a timer task per deadline costs a scheduler wake-up (and its allocation) per request, and a thousand
 * pending invitations held a thousand tasks. Here adding a deadline only arms the task when it is earlier than the one
 * armed; cancelling one only takes it out of the queue (the task, left armed, finds nothing due when it runs and arms
 * itself for the next deadline). Deadlines that grow in the order they are added, as expiries of the same length do,
 * arm the task once.
 *
 * <p>Deadlines are read on the scheduler's clock ({@link Scheduler#now(TimeUnit)}, in milliseconds), so that a
 * {@code VirtualTimeScheduler} drives them in tests. Entries with the same deadline expire in the order they were
 * added. {@link Entry#expired()} runs on the scheduler's thread, outside any lock of this class, one entry after the
 * other; an entry that throws is logged and does not stop the others.
 */
public final class Expiries implements Disposable {

	private static final Logger log = Loggers.getLogger(Expiries.class);

	private static final long NOT_ARMED = Long.MAX_VALUE;

	private final Scheduler scheduler;
	private final Runnable fire = this::fire;
	private final Object lock = new Object();
	// guarded by lock: a binary heap ordered by (deadline, seq); each entry knows its index, so removal is O(log n)
	private Entry[] heap = new Entry[16];
	private int size;
	private long seq;
	/** The deadline the armed task was scheduled for, or {@link #NOT_ARMED}. */
	private long armedAt = NOT_ARMED;
	/** Counts every arming decision, so that only the newest armed task is kept. */
	private long generation;
	private Disposable armed;
	private boolean disposed;

	/**
	 * @param scheduler the scheduler whose clock the deadlines are read on and on which the one task runs
	 */
	public Expiries(Scheduler scheduler) {
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
	}

	/** @return the scheduler's clock, in milliseconds: the time deadlines are measured on */
	public long now() {
		return scheduler.now(TimeUnit.MILLISECONDS);
	}

	/** @return how many deadlines are waiting */
	public int size() {
		synchronized (lock) {
			return size;
		}
	}

	/**
	 * Queues {@code entry} to expire {@code delay} from now. An entry that is already queued moves to its new deadline.
	 * After {@link #dispose()}, does nothing: the entry never expires.
	 *
	 * @param entry what expires
	 * @param delay from now; zero or less expires it at the next run of the task
	 */
	public void add(Entry entry, Duration delay) {
		addAt(entry, now() + delay.toMillis());
	}

	/**
	 * Queues {@code entry} to expire at {@code deadline}, in milliseconds on {@link #now()}'s clock.
	 *
	 * @see #add(Entry, Duration)
	 */
	public void addAt(Entry entry, long deadline) {
		Objects.requireNonNull(entry, "entry");
		long arm;
		long gen;
		synchronized (lock) {
			if (disposed) {
				return;
			}
			if (entry.queue != null && entry.queue != this) {
				throw new IllegalStateException("the entry is queued on another Expiries");
			}
			if (entry.index >= 0) {
				removeAt(entry.index);
			}
			entry.queue = this;
			entry.deadline = deadline;
			entry.seq = seq++;
			if (size == heap.length) {
				heap = Arrays.copyOf(heap, size * 2);
			}
			heap[size] = entry;
			entry.index = size;
			siftUp(size++);
			if (deadline >= armedAt) {
				return;
			}
			armedAt = deadline;
			arm = deadline;
			gen = ++generation;
		}
		arm(gen, arm);
	}

	/**
	 * Takes {@code entry} out of the queue, if it is there: it will not expire. The armed task stays armed.
	 *
	 * @return whether it was queued
	 */
	public boolean remove(Entry entry) {
		synchronized (lock) {
			if (entry.queue != this || entry.index < 0) {
				return false;
			}
			removeAt(entry.index);
			return true;
		}
	}

	/**
	 * Runs {@code action} {@code delay} from now, unless the returned handle is disposed first.
	 *
	 * @return the handle: disposing it takes the deadline out of the queue
	 */
	public Disposable schedule(Runnable action, Duration delay) {
		Objects.requireNonNull(action, "action");
		Entry e = new Entry() {
			@Override
			protected void expired() {
				action.run();
			}
		};
		add(e, delay);
		return e;
	}

	/**
	 * @return a {@code Mono} that emits {@code 0} {@code delay} after it is subscribed to, then completes; cancelling
	 * it takes its deadline out of the queue. Meant as the trigger of {@link Mono#timeout(org.reactivestreams.Publisher,
	 * Mono)}, in place of a timer task of its own.
	 */
	public Mono<Long> after(Duration delay) {
		Objects.requireNonNull(delay, "delay");
		return new After(this, delay);
	}

	/**
	 * @return {@code source}, or, if it has not signalled {@code delay} after the subscription, {@code fallback}
	 * (with {@code source} cancelled): {@code source.timeout(after(delay), fallback)}
	 */
	public <T> Mono<T> timeout(Mono<T> source, Duration delay, Mono<? extends T> fallback) {
		return source.timeout(after(delay), fallback);
	}

	/** Cancels the task and forgets every deadline: none of them expires. Idempotent. */
	@Override
	public void dispose() {
		Disposable task;
		synchronized (lock) {
			if (disposed) {
				return;
			}
			disposed = true;
			for (int i = 0; i < size; i++) {
				heap[i].index = -1;
				heap[i] = null;
			}
			size = 0;
			task = armed;
			armed = null;
			armedAt = NOT_ARMED;
			generation++;
		}
		if (task != null) {
			task.dispose();
		}
	}

	@Override
	public boolean isDisposed() {
		synchronized (lock) {
			return disposed;
		}
	}

	@Override
	public String toString() {
		synchronized (lock) {
			return "Expiries[" + size + " waiting" + (armedAt == NOT_ARMED ? "" : ", armed for " + armedAt) + "]";
		}
	}

	// ----- the one task ----------------------------------------------------------------------------------------------

	/** Schedules the task for {@code deadline}, outside the lock: a virtual-time scheduler may run it at once. */
	private void arm(long gen, long deadline) {
		Disposable task = scheduler.schedule(fire, Math.max(0, deadline - now()), TimeUnit.MILLISECONDS);
		Disposable stale;
		synchronized (lock) {
			if (gen == generation) {
				// the task armed before, for a later deadline
				stale = armed;
				armed = task;
			}
			else {
				// decided again meanwhile (armed for an earlier deadline, ran, or disposed): the newest decision stands
				stale = task;
			}
		}
		if (stale != null) {
			stale.dispose();
		}
	}

	private void fire() {
		Entry[] due = null;
		int count = 0;
		long next = NOT_ARMED;
		long gen = 0;
		synchronized (lock) {
			if (disposed) {
				return;
			}
			long now = now();
			while (size > 0 && heap[0].deadline <= now) {
				Entry e = heap[0];
				removeAt(0);
				if (due == null) {
					due = new Entry[Math.min(size + 1, 16)];
				}
				else if (count == due.length) {
					due = Arrays.copyOf(due, count * 2);
				}
				due[count++] = e;
			}
			armed = null;
			armedAt = NOT_ARMED;
			gen = ++generation;
			if (size > 0) {
				next = heap[0].deadline;
				armedAt = next;
			}
		}
		for (int i = 0; i < count; i++) {
			try {
				due[i].expired();
			}
			catch (Throwable t) {
				log.warn("An expiry failed: {}", due[i], t);
			}
		}
		if (next != NOT_ARMED) {
			arm(gen, next);
		}
	}

	// ----- the heap, under lock ----------------------------------------------------------------------------------------

	private void removeAt(int i) {
		Entry removed = heap[i];
		removed.index = -1;
		int last = --size;
		if (i != last) {
			Entry moved = heap[last];
			heap[last] = null;
			heap[i] = moved;
			moved.index = i;
			siftDown(i);
			if (heap[i] == moved) {
				siftUp(i);
			}
		}
		else {
			heap[last] = null;
		}
	}

	private void siftUp(int i) {
		Entry e = heap[i];
		while (i > 0) {
			int parent = (i - 1) >>> 1;
			Entry p = heap[parent];
			if (!before(e, p)) {
				break;
			}
			heap[i] = p;
			p.index = i;
			i = parent;
		}
		heap[i] = e;
		e.index = i;
	}

	private void siftDown(int i) {
		Entry e = heap[i];
		int half = size >>> 1;
		while (i < half) {
			int child = 2 * i + 1;
			int right = child + 1;
			if (right < size && before(heap[right], heap[child])) {
				child = right;
			}
			if (!before(heap[child], e)) {
				break;
			}
			heap[i] = heap[child];
			heap[i].index = i;
			i = child;
		}
		heap[i] = e;
		e.index = i;
	}

	private static boolean before(Entry a, Entry b) {
		return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
	}

	// ----- entries ---------------------------------------------------------------------------------------------------

	/**
	 * A deadline in an {@link Expiries} queue. Subclass it to say what happens at the deadline; an entry can be queued
	 * again after it expired or was removed (on the same {@code Expiries}). Disposing it removes it from its queue.
	 */
	public abstract static class Entry implements Disposable {

		// written under the queue's lock
		private volatile Expiries queue;
		// guarded by the queue's lock
		private long deadline;
		private long seq;
		private int index = -1;

		/** Creates an entry that is not queued yet. */
		protected Entry() {
		}

		/**
		 * Called once the deadline passed, on the scheduler's thread, outside any lock of the queue; the entry is no
		 * longer queued (so it may queue itself again).
		 */
		protected abstract void expired();

		/** Takes this entry out of its queue, if it is queued. */
		@Override
		public void dispose() {
			Expiries q = queue;
			if (q != null) {
				q.remove(this);
			}
		}

		/** @return whether this entry is not waiting in a queue (expired, removed, or never queued) */
		@Override
		public boolean isDisposed() {
			Expiries q = queue;
			if (q == null) {
				return true;
			}
			synchronized (q.lock) {
				return index < 0;
			}
		}
	}

	/** {@link #after(Duration)}: one entry per subscription, emitting on expiry once requested. */
	private static final class After extends Mono<Long> {

		private final Expiries queue;
		private final Duration delay;

		After(Expiries queue, Duration delay) {
			this.queue = queue;
			this.delay = delay;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Long> actual) {
			AfterEntry e = new AfterEntry(actual);
			actual.onSubscribe(e);
			if (e.state != AfterEntry.DONE) {
				queue.add(e, delay);
			}
		}
	}

	private static final class AfterEntry extends Entry implements Subscription {

		static final int WAITING = 0;
		static final int REQUESTED = 1;
		static final int EXPIRED = 2;
		static final int DONE = 3;
		static final AtomicIntegerFieldUpdater<AfterEntry> STATE =
				AtomicIntegerFieldUpdater.newUpdater(AfterEntry.class, "state");

		private final CoreSubscriber<? super Long> actual;
		volatile int state;

		AfterEntry(CoreSubscriber<? super Long> actual) {
			this.actual = actual;
		}

		@Override
		protected void expired() {
			for (;;) {
				int s = state;
				if (s == REQUESTED) {
					if (STATE.compareAndSet(this, REQUESTED, DONE)) {
						emit();
						return;
					}
				}
				else if (s != WAITING || STATE.compareAndSet(this, WAITING, EXPIRED)) {
					return;
				}
			}
		}

		@Override
		public void request(long n) {
			if (!Operators.validate(n)) {
				return;
			}
			for (;;) {
				int s = state;
				if (s == EXPIRED) {
					if (STATE.compareAndSet(this, EXPIRED, DONE)) {
						emit();
						return;
					}
				}
				else if (s != WAITING || STATE.compareAndSet(this, WAITING, REQUESTED)) {
					return;
				}
			}
		}

		private void emit() {
			actual.onNext(0L);
			actual.onComplete();
		}

		@Override
		public void cancel() {
			if (STATE.getAndSet(this, DONE) != DONE) {
				dispose();
			}
		}
	}
}
