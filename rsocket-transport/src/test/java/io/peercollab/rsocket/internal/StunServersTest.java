// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.peercollab.IpLiterals;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nat.CoturnServer;
import io.peercollab.internal.nat.PublicAddressCheck;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The STUN-only setting of {@link RSocketPeerTransport#stunServers}: its validation names the field and the element,
 * and a binding with STUN servers and no TURN server learns where it stands from them (a real coturn on {@code lo},
 * answering binding requests without credentials), skipping one that does not answer.
 */
class StunServersTest {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void badServersAreRefusedNamingTheFieldAndTheElement() {
		RSocketPeerTransport tcp = RSocketPeerTransport.tcp();
		InetSocketAddress good = new InetSocketAddress(IpLiterals.parseAddress("203.0.113.20"), 3478);
		assertThatThrownBy(() -> tcp.stunServers(null)).isInstanceOf(NullPointerException.class)
				.hasMessage("stunServers");
		assertThatThrownBy(() -> tcp.stunServers(Arrays.asList(good, null))).isInstanceOf(NullPointerException.class)
				.hasMessage("stunServers[1]");
		assertThatThrownBy(() -> tcp.stunServers(List.of(good, InetSocketAddress.createUnresolved("stun.invalid",
				3478)))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageStartingWith("stunServers[1] must be an IP address (no DNS lookups are made), was ");
		assertThatThrownBy(() -> tcp.stunServers(List.of(new InetSocketAddress(IpLiterals.parseAddress("0.0.0.0"),
				3478)))).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("stunServers[0] must be a unicast address of a server, was 0.0.0.0:3478");
		assertThatThrownBy(() -> tcp.stunServers(List.of(new InetSocketAddress(IpLiterals.parseAddress("224.0.0.1"),
				3478)))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageStartingWith("stunServers[0] must be a unicast address");
		assertThatThrownBy(() -> tcp.stunServers(List.of(good, new InetSocketAddress(good.getAddress(), 0))))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessage("stunServers[1] must have a port between 1 and 65535, was 0");
		assertThatThrownBy(() -> tcp.stunServers(Collections.nCopies(RSocketPeerTransport.MAX_STUN_SERVERS + 1, good)))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessage("stunServers must have at most 8 servers, had 9");

		RSocketPeerTransport configured = tcp.stunServers(new ArrayList<>(List.of(good)));
		assertThat(configured.stunServers()).containsExactly(good);
		assertThat(tcp.stunServers()).as("immutable: the original is unchanged").isEmpty();
		assertThat(configured.stunServers(List.of()).stunServers()).isEmpty();
		assertThat(configured.toString()).contains("STUN [" + good);
	}

	@Test
	@Tag("slow")
	void withStunServersAndNoTurnServerTheBindingLearnsWhereItStandsFromTheFirstThatAnswers() {
		try (CoturnServer coturn = CoturnServer.start(true)) {
			InetSocketAddress silent = coturn.closedPort();
			// a non-loopback address (on lo), so that the binding checks: a loopback listener never does
			RSocketPeerTransport transport = RSocketPeerTransport.tcp()
					.host(coturn.primary().getAddress().getHostAddress()).port(0)
					.connectTimeout(Duration.ofSeconds(2))
					.stunServers(List.of(silent, coturn.primary()));
			long start = System.nanoTime();
			RSocketBinding bob = (RSocketBinding) transport.bind(PeerIdentity.generate("bob"), handler()).block(WAIT);
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			try {
				PublicAddressCheck.Result stand = bob.publicAddress().orElseThrow();
				System.out.println("STUN only, first server silent: bound and checked in " + took.toMillis()
						+ " ms: " + stand.why());
				assertThat(stand.why()).as("the answer came from coturn").doesNotContain(IpLiterals.toString(silent));
				assertThat(stand.behindNat()).as(stand.why()).contains(false);
				assertThat(stand.tcpMapped()).as("the listening port, as coturn saw it over TCP")
						.hasValueSatisfying(a -> assertThat(a.getPort())
								.isEqualTo(((TcpAddress) bob.address()).port()));
				assertThat(bob.reflexiveAddresses()).as("no NAT: nothing to add").isEmpty();
				assertThat(bob.relayedAddresses()).as("STUN only: no relay").isEmpty();
				assertThat(bob.turnClient()).isNull();
			}
			finally {
				bob.dispose();
				bob.onDispose().block(WAIT);
			}
		}
	}

	/** A handler that serves nothing: no peer calls this binding. */
	private static PeerRequestHandler handler() {
		return (PeerRequestHandler) java.lang.reflect.Proxy.newProxyInstance(StunServersTest.class.getClassLoader(),
				new Class<?>[] {PeerRequestHandler.class}, (proxy, method, args) -> switch (method.getName()) {
					case "toString" -> "no handler";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == args[0];
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}
}
