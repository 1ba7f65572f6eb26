// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.Checks;

/**
 * The presence of a followed contact, as {@link ContactManager#presences()} reports it.
 *
 * @param name the contact
 * @param presence its presence as it shows it to this endpoint; {@code OFFLINE} while unreachable or not shown
 */
public record ContactPresence(PeerName name, PresenceInfo presence) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public ContactPresence {
		Checks.notNull(name, "name");
		Checks.notNull(presence, "presence");
	}
}
