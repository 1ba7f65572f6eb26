// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.time.Duration;

import reactor.core.publisher.Mono;

/**
 * One way to ask a gateway for a TCP port mapping: {@link PcpClient}, {@link NatPmpClient} or {@link UpnpIgdClient}.
 * Used by one caller at a time (the {@link PortMapper}); requests do not overlap.
 */
interface MappingClient {

	/** @return {@code PCP}, {@code NAT-PMP} or {@code UPnP-IGD} */
	String protocol();

	/**
	 * Asks for, or renews, a mapping of a TCP port of this host.
	 *
	 * @param internalPort the port this host listens on
	 * @param externalPort the external port wished for (the mapped one, when renewing); 0 for no preference
	 * @param lifetime the lifetime asked for; the gateway may grant another
	 * @return the mapping granted; fails with {@link GatewayRefusedException}, {@link GatewayFormatException}, or
	 * {@link io.peercollab.PeerUnreachableException} when the gateway does not answer
	 */
	Mono<PortMapping> map(int internalPort, int externalPort, Duration lifetime);

	/** @return completes once the gateway confirmed the deletion; fails as {@link #map} does */
	Mono<Void> unmap(PortMapping mapping);

	/** @return completes when the client's sockets are closed; idempotent */
	Mono<Void> close();
}
