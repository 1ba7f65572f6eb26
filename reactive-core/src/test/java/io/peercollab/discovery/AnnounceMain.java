// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoverySession;

/**
 * A second process for {@link MdnsSecondJvmTest}: announces one endpoint with {@link MdnsDiscovery#onLoopback()},
 * prints {@code READY}, and when its standard input closes, closes the session, prints {@code CLOSED} and exits.
 *
 * <p>Arguments: service type, PeerName, nickname, port.
 */
public final class AnnounceMain {

	private AnnounceMain() {
	}

	/**
	 * Runs the announcement until standard input closes.
	 *
	 * @param args service type, PeerName, nickname, port
	 * @throws IOException if standard input cannot be read
	 */
	public static void main(String[] args) throws IOException {
		if (args.length != 4) {
			System.err.println("usage: AnnounceMain <service type> <PeerName> <nickname> <port>");
			System.exit(2);
		}
		Announcement self = new Announcement(PeerName.parse(args[1]), args[2], Integer.parseInt(args[3]));
		DiscoverySession session = MdnsDiscovery.onLoopback()
				.serviceType(args[0])
				.start(self)
				.block(Duration.ofSeconds(30));
		System.out.println("READY");
		System.out.flush();

		InputStream in = System.in;
		while (in.read() >= 0) {
			// Nothing to read: the parent closing our standard input is the signal to sign out.
		}
		session.close().block(Duration.ofSeconds(30));
		System.out.println("CLOSED");
		System.out.flush();
		System.exit(0);
	}
}
