// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

import static io.peercollab.discovery.MdnsTestSupport.name;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Isolated, so never beside another mDNS test: it compares the jmDNS threads alive before, during and after one
 * session.
 */
@Isolated
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MdnsThreadReleaseTest {

	@Test
	void closingReleasesEveryJmdnsThreadOfTheSession() {
		Set<Thread> before = MdnsTestSupport.jmdnsThreads();
		DiscoverySession session = MdnsTestSupport.discovery(MdnsTestSupport.uniqueServiceType())
				.start(new Announcement(name("alice"), "Alice", 40061))
				.block(Duration.ofSeconds(10));
		Set<Thread> during = MdnsTestSupport.jmdnsThreads();
		during.removeAll(before);
		assertThat(MdnsTestSupport.names(during))
				.anyMatch(n -> n.startsWith("JmDNS(peercollab-"))
				.anyMatch(n -> n.startsWith("SocketListener(peercollab-"));

		session.close().block(Duration.ofSeconds(10));

		// jmDNS lets its threads end after close() returns: wait for that, boundedly.
		MdnsTestSupport.await(Duration.ofSeconds(5), () -> during.stream().noneMatch(Thread::isAlive));
		Set<Thread> after = MdnsTestSupport.jmdnsThreads();
		after.removeAll(before);
		assertThat(MdnsTestSupport.names(after)).isEmpty();
	}
}
