// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.List;

/**
 * One live endpoint of a peer, as {@link Peer#endPointChanges()} shows it: a process signed in with the peer's
 * identity (a laptop, a desktop, a phone), with what it shows to this endpoint. An endpoint is shown as soon as a
 * connection to it proved the peer's key, before its presence, applications, objects, nickname and endpoint name are
 * known: until then its presence reads {@code OFFLINE}, its lists are empty and its names are {@code ""}.
 *
 * @param instance the id of the endpoint's running process, the same at every address it listens at; unique among
 * the endpoints of one peer
 * @param endPoint the address it was reached at
 * @param name the endpoint's own name (by default its machine's host name), or {@code ""} while not known
 * @param nickname the nickname it shows to this endpoint, or {@code ""} while not known (or not shown)
 * @param presence its presence as it shows it to this endpoint; {@code OFFLINE} while not known
 * @param applications the applications it shows to this endpoint
 * @param objects the objects it shows to this endpoint
 */
public record RemoteEndPoint(String instance, PeerEndPoint endPoint, String name, String nickname,
		PresenceInfo presence, List<PeerApplication> applications, List<PeerObject> objects) {

	/**
	 * Validates the fields.
	 *
	 * @throws NullPointerException if {@code instance}, {@code endPoint} or {@code presence} is {@code null}
	 */
	public RemoteEndPoint {
		Checks.notNull(instance, "instance");
		Checks.notNull(endPoint, "endPoint");
		name = name == null ? "" : name;
		nickname = nickname == null ? "" : nickname;
		Checks.notNull(presence, "presence");
		applications = applications == null ? List.of() : List.copyOf(applications);
		objects = objects == null ? List.of() : List.copyOf(objects);
	}

	/**
	 * Written out rather than the record's generated equality (a chain of method handles), since a receiving
	 * endpoint compares its endpoint's state before and after every event it is sent. Same meaning: all components
	 * equal; the presence, the one that changes most often, first.
	 */
	@Override
	public boolean equals(Object o) {
		if (o == this) {
			return true;
		}
		return o instanceof RemoteEndPoint e && presence.equals(e.presence) && instance.equals(e.instance)
				&& endPoint.equals(e.endPoint) && name.equals(e.name) && nickname.equals(e.nickname)
				&& applications.equals(e.applications) && objects.equals(e.objects);
	}

	@Override
	public int hashCode() {
		int h = instance.hashCode();
		h = 31 * h + endPoint.hashCode();
		h = 31 * h + name.hashCode();
		h = 31 * h + nickname.hashCode();
		h = 31 * h + presence.hashCode();
		h = 31 * h + applications.hashCode();
		return 31 * h + objects.hashCode();
	}
}
