// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Where a peer's endpoint can be reached, in the terms of the transport that dials it. The engine never looks inside
 * an address: it compares addresses with {@code equals}, shows them with {@code toString} and hands them back to the
 * transport ({@link io.peercollab.spi.TransportBinding#connect}). Resolvers, discovery and contact cards carry them
 * in a {@link PeerEndPoint}.
 *
 * <p>Every transport of this release listens and dials at a {@link TcpAddress}: an IP address (or an unresolved host
 * name) and a port; and a {@link RelayedAddress} is where a peer accepts connections through a TURN relay. A
 * transport that reaches peers another way defines an address kind of its own by implementing this interface, with
 * value semantics ({@code equals}, {@code hashCode}, an immutable instance); such addresses then travel through the
 * resolvers and the engine unchanged, and a transport that cannot dial a kind fails {@code connect} with
 * {@link PeerUnreachableException}. What leaves the process as data (the contact card, the contact store and the mDNS
 * announcement) carries {@link TcpAddress}es only, and the DHT record {@link TcpAddress}es and
 * {@link RelayedAddress}es: each of those formats refuses another kind with an error that names it.
 */
public interface PeerAddress {

	/**
	 * @return the kind of address: a short lower-case name such as {@code "tcp"}, which error messages and logs show
	 */
	String scheme();

	/**
	 * @return the address as a person reads it, without the scheme for {@link TcpAddress}
	 * ({@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000})
	 */
	@Override
	String toString();
}
