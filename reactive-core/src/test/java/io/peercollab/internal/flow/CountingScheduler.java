// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A scheduler that counts the delayed tasks scheduled on it, directly or through a worker, and runs them on another.
 */
public final class CountingScheduler implements Scheduler {

	private final Scheduler delegate;
	private final AtomicInteger scheduled = new AtomicInteger();

	public CountingScheduler(Scheduler delegate) {
		this.delegate = delegate;
	}

	/** @return how many delayed or periodic tasks were scheduled so far */
	public int scheduled() {
		return scheduled.get();
	}

	@Override
	public Disposable schedule(Runnable task) {
		return delegate.schedule(task);
	}

	@Override
	public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
		scheduled.incrementAndGet();
		return delegate.schedule(task, delay, unit);
	}

	@Override
	public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
		scheduled.incrementAndGet();
		return delegate.schedulePeriodically(task, initialDelay, period, unit);
	}

	@Override
	public long now(TimeUnit unit) {
		return delegate.now(unit);
	}

	@Override
	public Worker createWorker() {
		Worker w = delegate.createWorker();
		return new Worker() {
			@Override
			public Disposable schedule(Runnable task) {
				return w.schedule(task);
			}

			@Override
			public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
				scheduled.incrementAndGet();
				return w.schedule(task, delay, unit);
			}

			@Override
			public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
				scheduled.incrementAndGet();
				return w.schedulePeriodically(task, initialDelay, period, unit);
			}

			@Override
			public void dispose() {
				w.dispose();
			}

			@Override
			public boolean isDisposed() {
				return w.isDisposed();
			}
		};
	}

	@Override
	public void dispose() {
		delegate.dispose();
	}

	@Override
	public boolean isDisposed() {
		return delegate.isDisposed();
	}

	@Override
	public void init() {
		delegate.init();
	}
}
