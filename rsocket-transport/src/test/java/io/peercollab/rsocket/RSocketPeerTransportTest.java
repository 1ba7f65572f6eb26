// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The public configuration: documented defaults, immutability, and arguments checked eagerly with a message that
 * names the setting.
 */
class RSocketPeerTransportTest {

	@Test
	void defaultsAreTheDocumentedOnes() {
		assertThat(RSocketPeerTransport.tcp().toString()).contains("host=0.0.0.0", "port=0",
				"keepAliveInterval=PT5S", "keepAliveMaxLifeTime=PT20S", "idleTimeout=PT1M", "connectTimeout=PT5S",
				"maxInboundStreamsPerConnection=256", "maxConnectionsPerPeer=4", "maxPayloadSize=131072",
				"maxConnections=1024", "maxConnectionsPerSource=64", "timeToFirstStream=PT5S");
	}

	@Test
	void withersReturnACopyAndLeaveTheOriginalUnchanged() {
		RSocketPeerTransport defaults = RSocketPeerTransport.tcp();
		RSocketPeerTransport tuned = defaults.host("127.0.0.1").port(7000)
				.keepAlive(Duration.ofSeconds(1), Duration.ofSeconds(4)).idleTimeout(Duration.ofSeconds(9))
				.connectTimeout(Duration.ofSeconds(2)).maxInboundStreamsPerConnection(8).maxConnectionsPerPeer(2)
				.maxPayloadSize(4096).maxConnections(10).maxConnectionsPerSource(3)
				.timeToFirstStream(Duration.ofSeconds(7));

		assertThat(defaults.toString()).isEqualTo(RSocketPeerTransport.tcp().toString());
		assertThat(tuned.toString()).contains("host=127.0.0.1", "port=7000", "keepAliveInterval=PT1S",
				"keepAliveMaxLifeTime=PT4S", "idleTimeout=PT9S", "connectTimeout=PT2S",
				"maxInboundStreamsPerConnection=8", "maxConnectionsPerPeer=2", "maxPayloadSize=4096",
				"maxConnections=10", "maxConnectionsPerSource=3", "timeToFirstStream=PT7S");
	}

	@Test
	void outOfRangeSettingsAreRejectedNamingTheSetting() {
		RSocketPeerTransport t = RSocketPeerTransport.tcp();
		assertThatIllegalArgumentException().isThrownBy(() -> t.port(70000)).withMessageContaining("port");
		assertThatIllegalArgumentException().isThrownBy(() -> t.host(" ")).withMessageContaining("host");
		assertThatIllegalArgumentException()
				.isThrownBy(() -> t.keepAlive(Duration.ofSeconds(5), Duration.ofSeconds(5)))
				.withMessageContaining("maxLifeTime");
		assertThatIllegalArgumentException()
				.isThrownBy(() -> t.keepAlive(Duration.ofMillis(50), Duration.ofSeconds(5)))
				.withMessageContaining("between 100 ms and 60 s");
		assertThatIllegalArgumentException()
				.isThrownBy(() -> t.keepAlive(Duration.ofSeconds(61), Duration.ofMinutes(5)))
				.withMessageContaining("between 100 ms and 60 s");
		assertThatIllegalArgumentException()
				.isThrownBy(() -> t.keepAlive(Duration.ofSeconds(5), Duration.ofMinutes(6)))
				.withMessageContaining("at most 5 min");
		assertThatIllegalArgumentException().isThrownBy(() -> t.idleTimeout(Duration.ZERO))
				.withMessageContaining("idleTimeout");
		assertThatIllegalArgumentException().isThrownBy(() -> t.connectTimeout(Duration.ofSeconds(-1)))
				.withMessageContaining("connectTimeout");
		assertThatIllegalArgumentException().isThrownBy(() -> t.maxInboundStreamsPerConnection(0))
				.withMessageContaining("maxInboundStreamsPerConnection");
		assertThatIllegalArgumentException().isThrownBy(() -> t.maxConnectionsPerPeer(0))
				.withMessageContaining("maxConnectionsPerPeer");
		assertThatIllegalArgumentException().isThrownBy(() -> t.maxPayloadSize(100))
				.withMessageContaining("maxPayloadSize");
		assertThatIllegalArgumentException().isThrownBy(() -> t.maxConnections(0))
				.withMessageContaining("maxConnections must be at least 1, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> t.maxConnectionsPerSource(0))
				.withMessageContaining("maxConnectionsPerSource must be at least 1, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> t.timeToFirstStream(Duration.ZERO))
				.withMessageContaining("timeToFirstStream");
	}
}
