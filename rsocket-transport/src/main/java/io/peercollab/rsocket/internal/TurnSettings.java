// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.peercollab.internal.nat.TurnCredentials;

/**
 * The TURN server of an {@link io.peercollab.rsocket.RSocketPeerTransport}, as {@link io.peercollab.rsocket.TurnServer}
 * configured it. Not API.
 *
 * @param server the TURN server's address
 * @param username the user name, or the user part for a shared secret
 * @param secret the password, or the shared secret
 * @param sharedSecret whether {@code secret} is a TURN REST API shared secret
 * @param validity how long credentials made from a shared secret stay valid
 * @param permitted addresses the relay admits besides the TURN server's own relay address
 */
public record TurnSettings(InetSocketAddress server, String username, String secret, boolean sharedSecret,
		Duration validity, List<InetAddress> permitted) {

	/** Checks and copies. */
	public TurnSettings {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(username, "username");
		Objects.requireNonNull(secret, "secret");
		Objects.requireNonNull(validity, "validity");
		permitted = List.copyOf(permitted);
	}

	/** @return the credentials to allocate with now */
	TurnCredentials credentials(Instant now) {
		return sharedSecret ? TurnCredentials.restApi(username, secret, validity, now)
				: TurnCredentials.longTerm(username, secret);
	}

	/** @return the server and user, never the secret */
	@Override
	public String toString() {
		return "TurnSettings[" + server + ", " + username + "]";
	}
}
