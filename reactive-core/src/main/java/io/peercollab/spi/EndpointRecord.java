// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.Objects;

import io.peercollab.PeerEndPoint;

/**
 * One address at which a contact may be reached, as a {@link PeerNameResolver} found it.
 *
 * @param endPoint the address
 * @param source where the address came from
 * @param timeToLive how long the source vouches for the address from the moment it was resolved;
 * {@link Duration#ZERO} when the source gives no lifetime; never negative
 */
public record EndpointRecord(PeerEndPoint endPoint, EndpointSource source, Duration timeToLive) {

	/**
	 * Validates the fields.
	 *
	 * @throws NullPointerException if a field is {@code null}
	 * @throws IllegalArgumentException if {@code timeToLive} is negative
	 */
	public EndpointRecord {
		Objects.requireNonNull(endPoint, "endPoint");
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(timeToLive, "timeToLive");
		if (timeToLive.isNegative()) {
			throw new IllegalArgumentException("timeToLive must not be negative, was " + timeToLive);
		}
	}
}
