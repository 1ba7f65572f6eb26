// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Test;

class DefaultGatewayTest {

	private static final String HEADER =
			"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";

	@Test
	void theDefaultRouteOfTheLowestMetricGivesTheGateway() {
		List<String> lines = List.of(HEADER,
				"eth0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
				"wlan0\t00000000\t0100010A\t0003\t0\t0\t100\t00000000\t0\t0\t0",
				"eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0");

		assertThat(DefaultGateway.parse(lines)).contains(IpLiterals.parseAddress("10.1.0.1"));
	}

	@Test
	void withoutADefaultRouteViaAGatewayThereIsNone() {
		List<String> lines = List.of(HEADER,
				"eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
				"tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0",
				"eth1\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0",
				"garbage");

		assertThat(DefaultGateway.parse(lines)).isEmpty();
	}
}
