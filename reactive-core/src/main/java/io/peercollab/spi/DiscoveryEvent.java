// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.ChangeType;
import io.peercollab.Checks;

/**
 * A change among discovered peers.
 *
 * @param type {@code ADDED} (also for peers known when subscribing), {@code UPDATED}, {@code REMOVED}
 * @param peer the peer after the change, or its last value when removed
 */
public record DiscoveryEvent(ChangeType type, DiscoveredPeer peer) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public DiscoveryEvent {
		Checks.notNull(type, "type");
		Checks.notNull(peer, "peer");
	}
}
