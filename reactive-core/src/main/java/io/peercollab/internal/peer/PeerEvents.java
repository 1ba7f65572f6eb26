// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.util.Map;
import java.util.UUID;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceChange;

/**
 * The change type of a peer's presence, application and object events, read and replaced alike; and the items a peer
 * has, kept up to date from its events.
 */
public final class PeerEvents {

	private PeerEvents() {
	}

	/** @return the type of a presence, application or object change (not of a {@link PeerEvent.Synced}) */
	public static ChangeType type(PeerEvent e) {
		if (e instanceof PresenceChange p) {
			return p.type();
		}
		if (e instanceof ApplicationChange a) {
			return a.type();
		}
		return ((ObjectChange) e).type();
	}

	/** @return the same change of the same item, at the same version, with another type */
	public static PeerEvent retype(PeerEvent e, ChangeType type) {
		if (e instanceof PresenceChange p) {
			return new PresenceChange(type, p.presence(), p.version());
		}
		if (e instanceof ApplicationChange a) {
			return new ApplicationChange(type, a.application(), a.version());
		}
		ObjectChange o = (ObjectChange) e;
		return new ObjectChange(type, o.object(), o.version());
	}

	/**
	 * Applies an application or object change to the items kept of one peer: added or updated, put by id; removed,
	 * removed. Any other event changes nothing.
	 */
	public static void applyItem(PeerEvent e, Map<UUID, PeerApplication> applications, Map<UUID, PeerObject> objects) {
		if (e instanceof ApplicationChange a) {
			if (a.type() == ChangeType.REMOVED) {
				applications.remove(a.application().id());
			}
			else {
				applications.put(a.application().id(), a.application());
			}
		}
		else if (e instanceof ObjectChange o) {
			if (o.type() == ChangeType.REMOVED) {
				objects.remove(o.object().id());
			}
			else {
				objects.put(o.object().id(), o.object());
			}
		}
	}
}
