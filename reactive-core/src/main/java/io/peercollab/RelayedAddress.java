// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A peer's relayed transport address at a TURN server (RFC 6062): the peer accepts connections there through its
 * allocation. A transport with a TURN server of its own dials it through its own allocation (a TURN Connect), so that
 * the peer's relay sees a TURN server's address; one without dials it with plain TCP, which the relay admits only from
 * addresses the peer permitted. Either way TLS and the pinning run end to end inside the relayed stream. The DHT
 * record carries it beside the direct endpoints ({@code reactive-core/DHT-RECORD.md}).
 *
 * @param relay the relayed transport address
 */
public record RelayedAddress(TcpAddress relay) implements PeerAddress {

	/** @throws NullPointerException if {@code relay} is {@code null} */
	public RelayedAddress {
		java.util.Objects.requireNonNull(relay, "relay");
	}

	/** @return {@code "turn"} */
	@Override
	public String scheme() {
		return "turn";
	}

	/** @return {@code turn:} and the relayed address, such as {@code turn:203.0.113.20:49152} */
	@Override
	public String toString() {
		return "turn:" + relay;
	}
}
