// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs emission tasks one at a time, in the order they were submitted, on whichever thread submits while nobody else
 * is draining: the drain loop of reactor-core's operators, for a whole room. A room changes its state under its own
 * lock and {@linkplain #submit submits} the emission there (so the order of tasks is the order of changes), then
 * {@linkplain #drain drains} after releasing the lock, so that no subscriber code ever runs under the lock.
 *
 * <p>A task that emits into a subscriber which reacts by changing the state again does not wait for itself: its task is
 * queued and runs when the current one returns. A task that throws is logged and the next one runs.
 */
public final class EmissionQueue implements Executor {

	private static final Logger log = LoggerFactory.getLogger(EmissionQueue.class);

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
	private final AtomicInteger wip = new AtomicInteger();

	/** Queues {@code task}; call {@link #drain()} once the lock that ordered it is released. */
	public void submit(Runnable task) {
		tasks.offer(task);
	}

	/** Runs the queued tasks unless another thread is running them, in which case that thread runs them too. */
	public void drain() {
		if (wip.getAndIncrement() != 0) {
			return;
		}
		leave();
	}

	/**
	 * Enters the drain loop if nobody is in it and no task waits, so that the caller runs its emission at once,
	 * without making a task of it and queueing it; it must then call {@link #leave()}, which runs what was queued
	 * meanwhile. An emission run this way is in order: nothing was queued before it, and nothing else runs until it
	 * is done.
	 *
	 * @return whether the caller entered (else it submits and drains as usual)
	 */
	public boolean enterIfIdle() {
		return wip.get() == 0 && tasks.isEmpty() && wip.compareAndSet(0, 1);
	}

	/** Runs the tasks queued while this thread was in the drain loop, then leaves it. */
	public void leave() {
		int missed = 1;
		do {
			Runnable task;
			while ((task = tasks.poll()) != null) {
				try {
					task.run();
				}
				catch (RuntimeException | Error e) {
					log.error("an emission task failed; the next one runs", e);
				}
			}
			missed = wip.addAndGet(-missed);
		}
		while (missed != 0);
	}

	/** Submits and drains: for tasks that no lock orders. */
	@Override
	public void execute(Runnable task) {
		submit(task);
		drain();
	}
}
