// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;

import io.peercollab.identity.KeyType;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.internal.nat.PublicAddressCheck;
import io.peercollab.rsocket.internal.RSocketBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Where an endpoint stands is checked at bind and again as soon as the host's interface addresses change (read every
 * 5 s from an interface source the test replaces), against a real coturn (RFC 5780, two addresses on {@code lo}); an
 * unchanged set checks nothing before the periodic check.
 */
@Tag("slow")
class PublicAddressRecheckTest {

	@Test
	void aChangeOfTheInterfaceAddressesChecksThePublicAddressAgain() throws Exception {
		try (CoturnServer coturn = CoturnServer.start(true)) {
			TurnServer turn = TurnServer.withPassword(coturn.primary(), CoturnServer.USER, CoturnServer.PASSWORD);
			// a non-loopback address (on lo), so that the binding checks: a loopback listener never does
			RSocketBinding bob = (RSocketBinding) TestPeers.bind(TestPeers.loopback().turnServer(turn)
							.host(coturn.primary().getAddress().getHostAddress()),
					TestPeers.identity("bob", KeyType.ED25519), new RecordingHandler());
			try {
				PublicAddressCheck.Result first = bob.publicAddress().orElseThrow();
				assertThat(first.behindNat()).as(first.why()).contains(false);
				assertThat(first.tcpMapped()).as("the listening port, as coturn saw it over TCP")
						.hasValueSatisfying(a -> assertThat(a.getPort())
								.isEqualTo(((io.peercollab.TcpAddress) bob.address()).port()));
				assertThat(bob.reflexiveAddresses()).as("no NAT: nothing to add").isEmpty();

				InetAddress wifi = InetAddress.getByName("192.168.1.20");
				long changed = System.nanoTime();
				StepVerifier.create(bob.publicAddressChecks().next())
						.then(() -> bob.interfaceSource(() -> Set.of(wifi)))
						.assertNext(r -> assertThat(r.behindNat()).contains(false))
						.expectComplete()
						.verify(Duration.ofSeconds(15));
				Duration took = Duration.ofNanos(System.nanoTime() - changed);
				System.out.println("checked again " + took.toMillis() + " ms after the interfaces changed");
				assertThat(took).as("within one poll period and a check").isLessThan(Duration.ofSeconds(10));

				StepVerifier.create(bob.publicAddressChecks())
						.expectSubscription()
						.as("no change, no check (the periodic one is 60 s away)")
						.expectNoEvent(Duration.ofSeconds(12))
						.thenCancel()
						.verify(Duration.ofSeconds(20));
			}
			finally {
				TestPeers.dispose(bob);
			}
		}
	}
}
