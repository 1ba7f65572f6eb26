// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a request over UDP is retransmitted: sent at once, then again after {@code initial}, and after each wait the
 * next is twice as long, capped at {@code max}, each wait multiplied by {@code 1 + r} with {@code r} uniform in
 * {@code [-jitter, +jitter]} (RFC 6887's RAND); after the last transmission the client waits one more (doubled)
 * interval, then gives up.
 *
 * @param initial the first wait (NAT-PMP: 250 ms, RFC 6886 section 3.1; PCP: IRT 3 s, RFC 6887 section 8.1.1)
 * @param transmissions how many times the request is sent, 1 to 16
 * @param max the longest wait (PCP's MRT, 1024 s)
 * @param jitter 0 (NAT-PMP) to 0.5 (PCP: 0.1)
 */
record Retransmission(Duration initial, int transmissions, Duration max, double jitter) {

	/** RFC 6886's schedule, cut to 6 transmissions: given up after 15.75 s. */
	static final Retransmission NAT_PMP = new Retransmission(Duration.ofMillis(250), 6, Duration.ofSeconds(64), 0);

	/** RFC 6887's IRT, MRT and RAND, cut to 3 transmissions (MRD): given up after about 21 s. */
	static final Retransmission PCP = new Retransmission(Duration.ofSeconds(3), 3, Duration.ofSeconds(1024), 0.1);

	Retransmission {
		Objects.requireNonNull(initial, "initial");
		Objects.requireNonNull(max, "max");
		if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
			throw new IllegalArgumentException("initial must be positive and at most max, was " + initial + ", " + max);
		}
		if (transmissions < 1 || transmissions > 16) {
			throw new IllegalArgumentException("transmissions must be from 1 to 16, was " + transmissions);
		}
		if (!(jitter >= 0 && jitter <= 0.5)) {
			throw new IllegalArgumentException("jitter must be from 0 to 0.5, was " + jitter);
		}
	}

	/**
	 * @param i 0 for the wait after the first transmission
	 * @return the wait after transmission {@code i}, with jitter
	 */
	Duration wait(int i) {
		long nanos = initial.toNanos();
		long cap = max.toNanos();
		for (int k = 0; k < i && nanos < cap; k++) {
			nanos = Math.min(cap, nanos * 2);
		}
		if (jitter > 0) {
			nanos = (long) (nanos * (1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter)));
		}
		return Duration.ofNanos(nanos);
	}
}
