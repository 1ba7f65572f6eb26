// SPDX-License-Identifier: Apache-2.0
package io.peercollab;


/**
 * A change of object: {@code ADDED} when it appears (or is part of the current state a stream starts with),
 * {@code UPDATED} when it changes, {@code REMOVED} when it goes (carrying its last value).
 *
 * @param type what happened; never {@code null}
 * @param object the object after the change, or its last value when removed; never {@code null}
 * @param version the publishing endpoint's version after the change
 */
public record ObjectChange(ChangeType type, PeerObject object, long version) implements PeerEvent {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public ObjectChange {
		Checks.notNull(type, "type");
		Checks.notNull(object, "object");
	}
}
