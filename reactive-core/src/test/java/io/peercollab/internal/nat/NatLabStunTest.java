// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RFC 5780 discovery from a host behind a real NAT (nftables in a router namespace, {@link NatLab}) against a real
 * coturn on the Internet side: the verdicts the NAT lab recipe measured with coturn's own {@code turnutils_natdiscovery}.
 */
@Tag("slow")
class NatLabStunTest {

	private static final Duration CHILD_WAIT = Duration.ofSeconds(60);

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.withNatLab(true, s -> coturn = s);

	@Test
	void behindMasqueradeTheMappingIsEndpointIndependentAndTheFilteringAddressAndPortDependent() throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.MASQUERADE)) {
			String[] result = discover(lab);

			assertThat(result[1]).isEqualTo("true");
			assertThat(result[2]).isEqualTo("ENDPOINT_INDEPENDENT");
			assertThat(result[3]).isEqualTo("ADDRESS_AND_PORT_DEPENDENT");
			assertThat(IpLiterals.parseSocketAddress(result[4]).getAddress().getHostAddress())
					.isEqualTo(lab.routerWanAddress());
		}
	}

	@Test
	void behindRandomMasqueradeTheMappingIsAddressAndPortDependent() throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.MASQUERADE_RANDOM)) {
			String[] result = discover(lab);

			assertThat(result[1]).isEqualTo("true");
			assertThat(result[2]).isEqualTo("ADDRESS_AND_PORT_DEPENDENT");
			assertThat(result[3]).isEqualTo("ADDRESS_AND_PORT_DEPENDENT");
			assertThat(IpLiterals.parseSocketAddress(result[4]).getAddress().getHostAddress())
					.isEqualTo(lab.routerWanAddress());
		}
	}

	private static String[] discover(NatLab lab) throws Exception {
		String out = lab.runJavaOnHost(CHILD_WAIT, NatLabProbe.class, IpLiterals.toString(coturn.primary()));
		String line = Arrays.stream(out.split("\n")).filter(l -> l.startsWith("RESULT ")).findFirst()
				.orElseThrow(() -> new AssertionError("no RESULT line from the host:\n" + out));
		System.out.println("NAT lab: " + line);
		return line.split(" ");
	}
}
