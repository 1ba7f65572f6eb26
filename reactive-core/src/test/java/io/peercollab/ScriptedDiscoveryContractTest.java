// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.peercollab.spi.Announcement;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryContract;
import org.junit.jupiter.api.Timeout;

/**
 * The discovery contract for {@link ScriptedDiscovery} (and so {@link NoPeersDiscovery}), the in-memory discovery
 * of the tests: the test plays the network, announcing what each endpoint announces, as mDNS would.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScriptedDiscoveryContractTest extends DiscoveryContract {

	private final ScriptedDiscovery discovery = new ScriptedDiscovery();

	@Override
	protected Discovery discovery() {
		return discovery;
	}

	private static PeerEndPoint at(Announcement a) {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), a.port()));
	}

	@Override
	protected void announced(Announcement self) {
		discovery.announce(self.name(), self.nickname(), at(self));
	}

	@Override
	protected void renamed(Announcement self) {
		discovery.announce(self.name(), self.nickname(), at(self));
	}

	@Override
	protected void withdrawn(Announcement self) {
		discovery.remove(self.name(), self.nickname(), at(self));
	}
}
