// SPDX-License-Identifier: Apache-2.0
package io.peercollab;


/**
 * A change among the people near me: {@code ADDED} (including those known when a subscriber arrives), {@code UPDATED}
 * (new nickname or endpoints), {@code REMOVED} (signed out, vanished, or failed to prove its name).
 *
 * @param type what happened
 * @param peer the peer after the change, or its last value when removed
 */
public record PeerNearMeEvent(ChangeType type, PeerNearMe peer) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public PeerNearMeEvent {
		Checks.notNull(type, "type");
		Checks.notNull(peer, "peer");
	}
}
