// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.Checks;

/**
 * A peer as discovery sees it: what it announced (a claim) and every address it was seen at.
 *
 * @param name the name it announced
 * @param nickname the nickname it announced
 * @param endPoints every address it was seen at, on every interface; never empty
 * @param endPointName the endpoint name it announced, or {@code ""} (older endpoints announce none)
 * @param machineName the machine name it announced, or {@code ""}
 */
public record DiscoveredPeer(PeerName name, String nickname, List<PeerEndPoint> endPoints, String endPointName,
		String machineName) {

	/**
	 * @throws io.peercollab.PayloadTooLargeException if the nickname is longer than
	 * {@value Announcement#MAX_NICKNAME_LENGTH} characters
	 * @throws IllegalArgumentException if there is no endpoint
	 */
	public DiscoveredPeer {
		Checks.notNull(name, "name");
		nickname = Checks.text(nickname, "nickname", Announcement.MAX_NICKNAME_LENGTH);
		endPoints = List.copyOf(Checks.notNull(endPoints, "endPoints"));
		if (endPoints.isEmpty()) {
			throw new IllegalArgumentException("endPoints must not be empty");
		}
		endPointName = Checks.text(endPointName, "endPointName", PeerEndPoint.MAX_NAME_LENGTH);
		machineName = Checks.text(machineName, "machineName", PeerEndPoint.MAX_NAME_LENGTH);
	}

	/** A peer that announced no endpoint or machine name. */
	public DiscoveredPeer(PeerName name, String nickname, List<PeerEndPoint> endPoints) {
		this(name, nickname, endPoints, "", "");
	}
}
