// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP port mapping the gateway granted.
 *
 * @param protocol how it was obtained: {@code PCP}, {@code NAT-PMP} or {@code UPnP-IGD}
 * @param internal this host's address and port that the mapping forwards to
 * @param external the gateway's external address and the mapped port: what a peer on the Internet connects to
 * @param lifetime how long the gateway keeps it unless renewed; {@link Duration#ZERO} for a UPnP mapping the gateway
 * only grants without expiry (it is renewed anyway, and deleted on close)
 */
public record PortMapping(String protocol, InetSocketAddress internal, InetSocketAddress external, Duration lifetime) {

	public PortMapping {
		Objects.requireNonNull(protocol, "protocol");
		Objects.requireNonNull(internal, "internal");
		Objects.requireNonNull(external, "external");
		Objects.requireNonNull(lifetime, "lifetime");
		if (lifetime.isNegative()) {
			throw new IllegalArgumentException("lifetime must not be negative, was " + lifetime);
		}
	}
}
