// SPDX-License-Identifier: Apache-2.0
package io.peercollab;


/**
 * A change of application: {@code ADDED} when it appears (or is part of the current state a stream starts with),
 * {@code UPDATED} when it changes, {@code REMOVED} when it goes (carrying its last value).
 *
 * @param type what happened; never {@code null}
 * @param application the application after the change, or its last value when removed; never {@code null}
 * @param version the publishing endpoint's version after the change
 */
public record ApplicationChange(ChangeType type, PeerApplication application, long version) implements PeerEvent {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public ApplicationChange {
		Checks.notNull(type, "type");
		Checks.notNull(application, "application");
	}
}
