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
 * @param device the id of the device (one running endpoint of the identity) the source says the address belongs to,
 * as the DHT record's device tags say; {@code ""} when the source does not say. The engine dials a relayed address
 * of a device only while no other address of that same device answered.
 */
public record EndpointRecord(PeerEndPoint endPoint, EndpointSource source, Duration timeToLive, String device) {

	/** A record whose source does not say which device the address belongs to ({@code device} {@code ""}). */
	public EndpointRecord(PeerEndPoint endPoint, EndpointSource source, Duration timeToLive) {
		this(endPoint, source, timeToLive, "");
	}

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
		Objects.requireNonNull(device, "device");
		if (timeToLive.isNegative()) {
			throw new IllegalArgumentException("timeToLive must not be negative, was " + timeToLive);
		}
	}
}
