// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.PeerAddress;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.spi.TransportBinding;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The order of one round of dials to a peer's addresses, staggered as Happy Eyeballs staggers its attempts: an
 * address the transport gives no {@link TransportBinding#dialDelay delay} is dialled at once; one with a delay (a
 * relay, which costs the relay's bandwidth and adds its round trips) waits for its delay, or until no undelayed dial
 * is in flight any more, whichever comes first: until every undelayed dial made failed, or, when none was made, until
 * no more addresses are coming ({@link #complete()}). The engine does not know why an
 * address is delayed: the transport says so.
 */
final class DialOrder {

	private final TransportBinding binding;
	private final Scheduler timer;
	/** Undelayed dials in flight. */
	private final AtomicInteger inFlight = new AtomicInteger();
	/** Undelayed dials started. */
	private final AtomicInteger started = new AtomicInteger();
	/** No more addresses are coming in this round. */
	private volatile boolean complete;
	/**
	 * Ticks after each change of {@link #inFlight}, the latest replayed to a delayed dial that starts waiting, which
	 * then reads the count itself: a tick emitted late by a racing thread cannot make it read a stale count.
	 */
	private final SerialSink<Boolean> changed = new SerialSink<>(Sinks.many().replay().latest());

	/**
	 * @param binding tells each address's delay
	 * @param timer runs the delays
	 */
	DialOrder(TransportBinding binding, Scheduler timer) {
		this.binding = binding;
		this.timer = timer;
		changed.next(Boolean.TRUE);
	}

	/** Says that no more addresses are coming in this round: a delayed dial need not wait for undelayed ones. */
	void complete() {
		complete = true;
		changed.next(Boolean.TRUE);
	}

	/**
	 * @param address where {@code dial} goes
	 * @param dial the dial; empty when it failed (its failure recorded by the caller)
	 * @return {@code dial}, subscribed when its turn comes
	 */
	<T> Mono<T> dial(PeerAddress address, Mono<T> dial) {
		Duration delay = binding.dialDelay(address);
		if (delay.isZero() || delay.isNegative()) {
			return Mono.defer(() -> {
				inFlight.incrementAndGet();
				started.incrementAndGet();
				changed.next(Boolean.TRUE);
				return dial.doFinally(s -> {
					inFlight.decrementAndGet();
					changed.next(Boolean.TRUE);
				});
			});
		}
		Mono<?> turn = Mono.firstWithSignal(Mono.delay(delay, timer),
				changed.asFlux().filter(tick -> inFlight.get() == 0 && (started.get() > 0 || complete)).next());
		return turn.then(dial);
	}
}
