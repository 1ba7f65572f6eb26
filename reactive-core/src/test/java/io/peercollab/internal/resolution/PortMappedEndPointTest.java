// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.resolution;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.peercollab.IpLiterals;
import io.peercollab.TcpAddress;
import io.peercollab.internal.nat.mapping.PortMapper;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** When a mapping is asked for at all: never against the configuration, never for loopback. */
class PortMappedEndPointTest {

	/** A "gateway" on loopback where nothing answers; PCP and NAT-PMP only, so that no SSDP multicast leaves. */
	private static final PortMapper.Settings TO_NOWHERE = PortMapper.Settings.defaults()
			.gateway(IpLiterals.parseAddress("127.0.0.1")).protocols(List.of("PCP", "NAT-PMP"));

	@Test
	void nothingIsAskedWhenTheConfigurationDoesNotAllowIt() {
		PortMappedEndPoint disabled = new PortMappedEndPoint(false, TO_NOWHERE, () -> { });

		assertThat(disabled.start(TcpAddress.of(new InetSocketAddress("0.0.0.0", 7000)))).isFalse();
		assertThat(disabled.endPoint()).isEmpty();
		StepVerifier.create(disabled.stop()).verifyComplete();
	}

	@Test
	void aLoopbackListenerIsNeverMapped() {
		PortMappedEndPoint allowed = new PortMappedEndPoint(true, TO_NOWHERE, () -> { });

		assertThat(allowed.start(TcpAddress.of(new InetSocketAddress("127.0.0.1", 7000)))).isFalse();
		assertThat(allowed.endPoint()).isEmpty();
	}

	@Test
	void aWildcardListenerIsMappedOnceAndStoppingEndsIt() {
		PortMappedEndPoint allowed = new PortMappedEndPoint(true, TO_NOWHERE, () -> { });

		assertThat(allowed.start(TcpAddress.of(new InetSocketAddress("0.0.0.0", 7000)))).isTrue();
		assertThat(allowed.start(TcpAddress.of(new InetSocketAddress("0.0.0.0", 7000)))).isFalse();
		assertThat(allowed.endPoint()).isEmpty();
		StepVerifier.create(allowed.stop()).expectComplete().verify(Duration.ofSeconds(10));
		assertThat(allowed.endPoint()).isEmpty();
	}
}
