// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.peercollab.IpLiterals;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.peercollab.rsocket.internal.BindingInternals;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.TransportBinding;

/**
 * What a {@link NatLab} host runs (a child JVM there) for {@link StunOnlyNatLabTest}: binds an RSocket transport on
 * the host's address with the given STUN server and no TURN server, and prints one line
 * {@code STAND <listening port> <reflexive,...|-> <relayed,...|-> <why>}, then exits.
 *
 * <p>Arguments: the host's address, the STUN server ({@code ip:port}).
 */
final class StunOnlyProbe {

	private StunOnlyProbe() {
	}

	public static void main(String[] args) {
		InetSocketAddress stun = IpLiterals.parseSocketAddress(args[1]);
		PeerRequestHandler nothing = (PeerRequestHandler) java.lang.reflect.Proxy.newProxyInstance(
				StunOnlyProbe.class.getClassLoader(), new Class<?>[] {PeerRequestHandler.class},
				(proxy, method, a) -> switch (method.getName()) {
					case "toString" -> "no handler";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == a[0];
					default -> throw new UnsupportedOperationException(method.getName());
				});
		TransportBinding b = RSocketPeerTransport.tcp().host(args[0]).port(0).stunServers(List.of(stun))
				.bind(PeerIdentity.generate("stun-only"), nothing).block(Duration.ofSeconds(30));
		try {
			System.out.println("STAND " + ((TcpAddress) b.address()).port() + " " + text(b.reflexiveAddresses()) + " "
					+ text(b.relayedAddresses()) + " " + BindingInternals.publicAddress(b)
							.map(PublicAddressCheck.Result::why).orElse("no check"));
		}
		finally {
			b.dispose();
			b.onDispose().block(Duration.ofSeconds(10));
		}
		System.exit(0);
	}

	private static String text(List<?> addresses) {
		return addresses.isEmpty() ? "-" : String.join(",", addresses.stream().map(Object::toString).toList());
	}
}
