// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import io.peercollab.ChangeType;
import io.peercollab.Checks;

/**
 * A change of the contact list: {@code ADDED} for every contact that exists when a subscriber arrives and for each
 * new one, {@code UPDATED} with the new value, {@code REMOVED} with the last value.
 *
 * @param type what happened; never {@code null}
 * @param contact the contact after the change, or its last value when removed; never {@code null}
 */
public record ContactChange(ChangeType type, PeerContact contact) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public ContactChange {
		Checks.notNull(type, "type");
		Checks.notNull(contact, "contact");
	}
}
