// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The one operator of a request-response on either side: maps each value ({@link #map}, which may throw), maps the
 * error ({@link #mapError}), and runs {@link #onEnd} exactly once when it completes, fails or is cancelled, so that
 * what the request holds (a stream slot, an in-flight count) is given back once. It replaces a chain of
 * {@code defer/map/onErrorMap/doFinally}, each an object per call and another per subscription.
 *
 * @param <T> what the source emits
 * @param <R> what the subscriber gets
 */
abstract class EndingMapSubscriber<T, R> implements CoreSubscriber<T>, Subscription {

	@SuppressWarnings("rawtypes")
	private static final AtomicIntegerFieldUpdater<EndingMapSubscriber> ENDED =
			AtomicIntegerFieldUpdater.newUpdater(EndingMapSubscriber.class, "ended");

	private final CoreSubscriber<? super R> actual;
	private Subscription upstream;
	private boolean done;
	private volatile int ended;

	EndingMapSubscriber(CoreSubscriber<? super R> actual) {
		this.actual = actual;
	}

	/** @return {@code value} mapped; never {@code null}; a throw fails the request */
	abstract R map(T value) throws Exception;

	/** @return the error the subscriber gets for {@code e} */
	abstract Throwable mapError(Throwable e);

	/** Runs once, when the request ended in any way. */
	abstract void onEnd();

	@Override
	public Context currentContext() {
		return actual.currentContext();
	}

	@Override
	public void onSubscribe(Subscription s) {
		if (Operators.validate(upstream, s)) {
			upstream = s;
			actual.onSubscribe(this);
		}
	}

	@Override
	public void onNext(T value) {
		if (done) {
			Operators.onNextDropped(value, actual.currentContext());
			return;
		}
		R mapped;
		try {
			mapped = map(value);
			if (mapped == null) {
				throw new NullPointerException("The mapper returned a null value.");
			}
		}
		catch (Throwable e) {
			onError(Operators.onOperatorError(upstream, e, value, actual.currentContext()));
			return;
		}
		actual.onNext(mapped);
	}

	@Override
	public void onError(Throwable e) {
		if (done) {
			Operators.onErrorDropped(e, actual.currentContext());
			return;
		}
		done = true;
		actual.onError(mapError(e));
		ended();
	}

	@Override
	public void onComplete() {
		if (done) {
			return;
		}
		done = true;
		actual.onComplete();
		ended();
	}

	@Override
	public void request(long n) {
		upstream.request(n);
	}

	@Override
	public void cancel() {
		upstream.cancel();
		ended();
	}

	private void ended() {
		if (ENDED.compareAndSet(this, 0, 1)) {
			onEnd();
		}
	}
}
