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
 * {@link io.peercollab.rsocket.RSocketPeerTransport#stunServers} without a TURN server, in the {@link NatLab}: the
 * lab's coturn answers binding requests without credentials, acting as a STUN server only; an endpoint behind a full
 * cone learns and publishes its server-reflexive address (the router's WAN address, its own listening port), one
 * behind a port-restricted masquerade learns it and does not publish it, and neither has a relay.
 */
@Tag("slow")
class StunOnlyNatLabTest {

	private static final Duration CHILD_WAIT = Duration.ofSeconds(60);

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.withNatLab(true, s -> coturn = s);

	@Test
	void behindAFullConeTheStunServerAloneGivesTheReflexiveAddressThatIsPublished() throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.FULL_CONE)) {
			String[] stand = stand(lab);
			assertThat(stand[2]).as("published: the router's WAN address and the listening port")
					.isEqualTo(lab.routerWanAddress() + ":" + stand[1]);
			assertThat(stand[3]).as("no TURN server, no relay").isEqualTo("-");
		}
	}

	@Test
	void behindAPortRestrictedMasqueradeTheReflexiveAddressIsLearntButNotPublished() throws Exception {
		try (NatLab lab = NatLab.build(NatLab.Nat.MASQUERADE)) {
			String[] stand = stand(lab);
			assertThat(stand[2]).as("a stranger cannot dial it: not published").isEqualTo("-");
			assertThat(stand[3]).isEqualTo("-");
			assertThat(String.join(" ", Arrays.copyOfRange(stand, 4, stand.length)))
					.contains("ADDRESS_AND_PORT_DEPENDENT filtering")
					.contains(lab.routerWanAddress() + ":");
		}
	}

	private static String[] stand(NatLab lab) throws Exception {
		String out = lab.runJavaOnHost(CHILD_WAIT, StunOnlyProbe.class, lab.hostAddress(),
				IpLiterals.toString(coturn.primary()));
		String line = Arrays.stream(out.split("\n")).filter(l -> l.startsWith("STAND ")).findFirst()
				.orElseThrow(() -> new AssertionError("no STAND line from the host:\n" + out));
		System.out.println("STUN only in the NAT lab: " + line);
		return line.split(" ");
	}
}
