// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.util.concurrent.TimeUnit;
import javax.jmdns.impl.JmDNSImpl;

import io.peercollab.spi.Announcement;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoveryContract;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discovery contract for {@link MdnsDiscovery} on loopback, on a service type of its own; plus what only mDNS
 * promises: a host keeps its jmDNS instances across sessions, started at RFC 6762's pace.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MdnsDiscoveryContractTest extends DiscoveryContract {

	private final MdnsDiscovery discovery = MdnsTestSupport.discovery(MdnsTestSupport.uniqueServiceType());

	@Override
	protected Discovery discovery() {
		return discovery;
	}

	@Test
	void aHostKeepsItsJmdnsInstancesAcrossSessionsAndClosesThemWithIt() {
		MdnsHost h = (MdnsHost) host();
		Announcement self = announcement("carol", "Carol");
		DiscoverySession first = h.start(self).block(bound());
		var opened = h.instances().block(bound());
		assertThat(opened).hasSize(1);
		assertThat(QuickStarter.serves(opened.get(0).jmdns)).as("our own task starter").isTrue();
		JmDNSImpl jmdns = (JmDNSImpl) opened.get(0).jmdns;
		assertThat(jmdns.getServices()).as("the session's announcement").hasSize(1);
		first.close().block(bound());
		assertThat(jmdns.getServices()).as("withdrawn with the session").isEmpty();
		assertThat(jmdns.isClosing() || jmdns.isClosed()).as("the instance stays open").isFalse();

		DiscoverySession second = h.start(self.withNickname("Carol 2")).block(bound());
		assertThat(h.instances().block(bound())).as("the same instances, not new ones").isEqualTo(opened);
		second.close().block(bound());
		h.close().block(bound());
		assertThat(jmdns.isClosing() || jmdns.isClosed() || jmdns.isCanceling() || jmdns.isCanceled())
				.as("closed with the host").isTrue();
	}
}
