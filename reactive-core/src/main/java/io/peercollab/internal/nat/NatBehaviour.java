// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What RFC 5780 behaviour discovery found out about the path from one local UDP socket to a STUN server.
 *
 * @param localAddress the socket's local address
 * @param mappedAddress the reflexive address the server saw (XOR-MAPPED-ADDRESS of the first test)
 * @param behindNat whether the mapped address differs from the local one; with no NAT the mapping is trivially
 * {@link Mapping#ENDPOINT_INDEPENDENT}
 * @param mapping how the NAT maps the socket to external ports (RFC 4787 section 4.1)
 * @param filtering which inbound datagrams reach the socket (RFC 4787 section 5), NAT or firewall alike
 */
public record NatBehaviour(InetSocketAddress localAddress, InetSocketAddress mappedAddress, boolean behindNat,
		Mapping mapping, Filtering filtering) {

	/** How a NAT maps one internal address and port to external ones (RFC 4787 section 4.1, RFC 5780 4.3). */
	public enum Mapping {
		/** One external address and port for every destination: a hole punched towards one reaches all. */
		ENDPOINT_INDEPENDENT,
		/** A new mapping for each destination IP address. */
		ADDRESS_DEPENDENT,
		/** A new mapping for each destination IP address and port ("symmetric"): hole punching cannot predict it. */
		ADDRESS_AND_PORT_DEPENDENT
	}

	/** Which inbound datagrams the mapping lets through (RFC 4787 section 5, RFC 5780 4.4). */
	public enum Filtering {
		/** Any sender's. */
		ENDPOINT_INDEPENDENT,
		/** Only those of IP addresses the socket sent to. */
		ADDRESS_DEPENDENT,
		/** Only those of the IP addresses and ports the socket sent to. */
		ADDRESS_AND_PORT_DEPENDENT
	}

	/** Checks that nothing is {@code null}. */
	public NatBehaviour {
		Objects.requireNonNull(localAddress, "localAddress");
		Objects.requireNonNull(mappedAddress, "mappedAddress");
		Objects.requireNonNull(mapping, "mapping");
		Objects.requireNonNull(filtering, "filtering");
	}
}
