// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A change among a peer's live endpoints ({@link Peer#endPointChanges()}): {@code ADDED} when one is reached (and for
 * each one known when a subscriber arrives), {@code UPDATED} when what it shows changes (its presence, applications,
 * objects, nickname or endpoint name, learnt or changed), {@code REMOVED} when it leaves.
 *
 * @param type what happened
 * @param endPoint the endpoint after the change, or its last value when removed
 */
public record EndPointChange(ChangeType type, RemoteEndPoint endPoint) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public EndPointChange {
		Checks.notNull(type, "type");
		Checks.notNull(endPoint, "endPoint");
	}
}
