// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts deliveries from any thread and lets one benchmark thread wait, parked rather than spinning, until a count is
 * reached: on two cores a spinning waiter would take the CPU from the event loops it waits for. Library and baseline
 * count through the same class, so its cost is the same on both sides.
 */
public final class Arrivals {

	private final AtomicLong count = new AtomicLong();
	private volatile long target = Long.MAX_VALUE;
	private volatile Thread waiter;

	/**
	 * Records one delivery; wakes the waiter when its target is reached. Safe from any thread. A delivery made on the
	 * waiter's own thread (a synchronous stream) wakes nobody: unparking oneself costs a system call per operation and
	 * would be counted against whatever is measured.
	 */
	public void arrive() {
		if (count.incrementAndGet() >= target) {
			Thread w = waiter;
			if (w != null && w != Thread.currentThread()) {
				LockSupport.unpark(w);
			}
		}
	}

	/** @return the deliveries counted so far */
	public long count() {
		return count.get();
	}

	/**
	 * Announces that the calling thread will wait for {@code more} deliveries after those counted now. Call it before
	 * triggering them, then {@link #await(long, Duration)} with the returned target.
	 *
	 * @return the count to wait for
	 */
	public long expect(long more) {
		waiter = Thread.currentThread();
		long t = count.get() + more;
		target = t;
		return t;
	}

	/**
	 * Waits until {@code target} deliveries are counted.
	 *
	 * @throws IllegalStateException if they are not counted within {@code timeout}
	 */
	public void await(long target, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (count.get() < target) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw new IllegalStateException(new TimeoutException(
						"waited " + timeout + " for " + target + " deliveries, counted " + count.get()));
			}
			// bounded park: an arrive() racing with expect() can miss the unpark, never the count
			LockSupport.parkNanos(this, Math.min(left, 1_000_000L));
		}
		this.target = Long.MAX_VALUE;
		waiter = null;
	}
}
