// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import io.peercollab.ApplicationChange;
import io.peercollab.Checks;
import io.peercollab.ObjectChange;
import io.peercollab.PeerEvent;
import io.peercollab.identity.PeerName;

/**
 * A change of an application or an object of a followed contact, as {@link ContactManager#itemChanges()} reports
 * it for every followed contact at once (Windows' {@code PEER_EVENT_ENDPOINT_APPLICATION_CHANGED} and
 * {@code PEER_EVENT_ENDPOINT_OBJECT_CHANGED} for the watched contacts).
 *
 * @param contact the contact whose item changed
 * @param change an {@link ApplicationChange} or an {@link ObjectChange}
 */
public record ContactItemChange(PeerName contact, PeerEvent change) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 * @throws IllegalArgumentException if {@code change} is neither an application nor an object change
	 */
	public ContactItemChange {
		Checks.notNull(contact, "contact");
		Checks.notNull(change, "change");
		if (!(change instanceof ApplicationChange) && !(change instanceof ObjectChange)) {
			throw new IllegalArgumentException("change must be an ApplicationChange or an ObjectChange, was "
					+ change.getClass().getSimpleName());
		}
	}
}
