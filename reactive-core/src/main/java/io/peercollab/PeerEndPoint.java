// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;


/**
 * An address at which a peer's endpoint listens.
 *
 * @param name a name for the endpoint of at most {@value #MAX_NAME_LENGTH} characters (an interface name, a host
 * name); {@code null} becomes {@code ""}
 * @param address where it listens, in the terms of the transport that dials it; never {@code null}
 */
public record PeerEndPoint(String name, PeerAddress address) {

	/** The longest endpoint name, in characters. */
	public static final int MAX_NAME_LENGTH = 255;

	/**
	 * Validates the fields.
	 *
	 * @throws PayloadTooLargeException if the name is longer than {@value #MAX_NAME_LENGTH} characters
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public PeerEndPoint {
		name = Checks.text(name, "name", MAX_NAME_LENGTH);
		Checks.notNull(address, "address");
	}

	/**
	 * An endpoint at a {@link TcpAddress}.
	 *
	 * @throws PayloadTooLargeException if the name is longer than {@value #MAX_NAME_LENGTH} characters
	 * @throws IllegalArgumentException if the port is 0
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public PeerEndPoint(String name, InetSocketAddress address) {
		this(name, TcpAddress.of(address));
	}

	/**
	 * @return an endpoint named after its address ({@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000})
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public static PeerEndPoint of(PeerAddress address) {
		Checks.notNull(address, "address");
		return new PeerEndPoint(address.toString(), address);
	}

	/**
	 * @return an endpoint at a {@link TcpAddress}, named after it as {@link IpLiterals#toString(InetSocketAddress)}
	 * writes it ({@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000})
	 * @throws NullPointerException if {@code address} is {@code null}
	 * @throws IllegalArgumentException if the port is 0
	 */
	public static PeerEndPoint of(InetSocketAddress address) {
		Checks.notNull(address, "address");
		return of(TcpAddress.of(address));
	}

	/**
	 * @return the socket address when this endpoint is at a {@link TcpAddress}
	 * @throws IllegalArgumentException naming the endpoint and its kind of address otherwise
	 */
	public InetSocketAddress tcpAddress() {
		if (address instanceof TcpAddress tcp) {
			return tcp.socketAddress();
		}
		throw new IllegalArgumentException("endpoint '" + name + "' is at a " + address.scheme() + " address ("
				+ address + "), not a tcp one");
	}
}
