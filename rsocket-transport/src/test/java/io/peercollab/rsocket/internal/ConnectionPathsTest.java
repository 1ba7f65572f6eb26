// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;

import io.peercollab.ConnectionPath;
import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client tells a connection's path from the address it dialled and what the server's {@code hello} says; what the
 * server says is a hint, and nonsense in it changes nothing but the hint.
 */
class ConnectionPathsTest {

	private static final InetSocketAddress DIALLED = IpLiterals.parseSocketAddress("203.0.113.101:7000");

	private static Wire.Hello hello(String path, String local) {
		return new Wire.Hello(131_072, 256, "instance", path, local, "203.0.113.102:40000", null);
	}

	@Test
	void aConnectionThroughARelayIsRelayedWhicheverSideKnowsIt() {
		assertThat(ConnectionPaths.path(true, DIALLED, hello("DIRECT", "203.0.113.101:7000")))
				.isEqualTo(ConnectionPath.RELAYED);
		assertThat(ConnectionPaths.path(false, DIALLED, hello("RELAYED", null))).isEqualTo(ConnectionPath.RELAYED);
	}

	@Test
	void theServersEndOfAHolePunchSaysSoWhateverAddressItAcceptedAt() {
		assertThat(ConnectionPaths.path(false, DIALLED, hello("HOLE_PUNCHED", "10.1.0.2:40001")))
				.isEqualTo(ConnectionPath.HOLE_PUNCHED);
		assertThat(ConnectionPaths.path(true, DIALLED, hello("HOLE_PUNCHED", null)))
				.as("through this side's relay, it is relayed").isEqualTo(ConnectionPath.RELAYED);
	}

	@Test
	void aConnectionAcceptedAtTheAddressDialledIsDirectAndAtAnotherIsMapped() {
		assertThat(ConnectionPaths.path(false, DIALLED, hello("DIRECT", "203.0.113.101:7000")))
				.isEqualTo(ConnectionPath.DIRECT);
		assertThat(ConnectionPaths.path(false, DIALLED, hello("DIRECT", "[::ffff:203.0.113.101]:7000")))
				.as("an IPv4-mapped address is the IPv4 address").isEqualTo(ConnectionPath.DIRECT);
		assertThat(ConnectionPaths.path(false, DIALLED, hello("DIRECT", "10.1.0.2:7000")))
				.isEqualTo(ConnectionPath.MAPPED);
		assertThat(ConnectionPaths.path(false, DIALLED, hello("DIRECT", "203.0.113.101:7001")))
				.isEqualTo(ConnectionPath.MAPPED);
	}

	@Test
	void aServerThatSaysNothingOrNonsenseIsTakenAsDirect() {
		assertThat(ConnectionPaths.path(false, DIALLED, new Wire.Hello(131_072, 256, "instance")))
				.isEqualTo(ConnectionPath.DIRECT);
		for (String nonsense : new String[] {"", "x", "999.1.1.1:5", "10.1.0.2", "10.1.0.2:0", "host.example:7000",
				"[10.1.0.2]:7000", "1".repeat(10_000)}) {
			assertThat(ConnectionPaths.path(false, DIALLED, hello("SIDEWAYS", nonsense))).as(nonsense)
					.isEqualTo(ConnectionPath.DIRECT);
		}
	}
}
