// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.identity.PeerName;
import io.peercollab.Checks;

/**
 * What an endpoint announces near it.
 *
 * @param name its name
 * @param nickname its nickname, at most {@value #MAX_NICKNAME_LENGTH} characters
 * @param port the transport's port, 1 to 65535
 * @param classifierInLabel whether the service instance name (the label DNS-SD browsers list) starts with the name's
 * classifier; if not it starts with {@code peer}. The TXT record carries the whole name either way.
 * @param endPointName the endpoint's name (by default its machine's host name), at most
 * {@value io.peercollab.PeerEndPoint#MAX_NAME_LENGTH} characters, or {@code ""}
 * @param machineName the machine's host name, at most {@value io.peercollab.PeerEndPoint#MAX_NAME_LENGTH} characters,
 * or {@code ""}
 */
public record Announcement(PeerName name, String nickname, int port, boolean classifierInLabel, String endPointName,
		String machineName) {

	/** The protocol version announced and expected. */
	public static final int PROTOCOL_VERSION = 1;

	/** The longest nickname that is announced, in characters. */
	public static final int MAX_NICKNAME_LENGTH = 63;

	/**
	 * @throws io.peercollab.PayloadTooLargeException if the nickname is longer than {@value #MAX_NICKNAME_LENGTH}
	 * characters
	 * @throws IllegalArgumentException if the port is out of range
	 */
	public Announcement {
		Checks.notNull(name, "name");
		nickname = Checks.text(nickname, "nickname", MAX_NICKNAME_LENGTH);
		endPointName = Checks.text(endPointName, "endPointName", io.peercollab.PeerEndPoint.MAX_NAME_LENGTH);
		machineName = Checks.text(machineName, "machineName", io.peercollab.PeerEndPoint.MAX_NAME_LENGTH);
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
		}
	}

	/** An announcement without an endpoint or machine name, as before they were announced. */
	public Announcement(PeerName name, String nickname, int port, boolean classifierInLabel) {
		this(name, nickname, port, classifierInLabel, "", "");
	}

	/** An announcement whose instance name starts with the classifier, as before that became a choice. */
	public Announcement(PeerName name, String nickname, int port) {
		this(name, nickname, port, true);
	}

	/** @return a copy with another nickname */
	public Announcement withNickname(String value) {
		return new Announcement(name, value, port, classifierInLabel, endPointName, machineName);
	}

	/** @return a copy with another endpoint name */
	public Announcement withEndPointName(String value) {
		return new Announcement(name, nickname, port, classifierInLabel, value, machineName);
	}
}
