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
}
