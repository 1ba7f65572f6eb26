package io.peercollab;

import java.net.InetSocketAddress;


/**
 * An address at which a peer's endpoint listens.
 *
 * @param name a name for the endpoint of at most {@value #MAX_NAME_LENGTH} characters (an interface name, a host
 * name); {@code null} becomes {@code ""}
 * @param address the socket address; never {@code null}, and its port is never 0
 */
public record PeerEndPoint(String name, InetSocketAddress address) {

	/** The longest endpoint name, in characters. */
	public static final int MAX_NAME_LENGTH = 255;

	/**
	 * Validates the fields.
	 *
	 * @throws PayloadTooLargeException if the name is longer than {@value #MAX_NAME_LENGTH} characters
	 * @throws IllegalArgumentException if the port is 0
	 * @throws NullPointerException if {@code address} is {@code null}
	 */
	public PeerEndPoint {
		name = Checks.text(name, "name", MAX_NAME_LENGTH);
		Checks.notNull(address, "address");
		if (address.getPort() == 0) {
			throw new IllegalArgumentException("address must have a port between 1 and 65535, was 0");
		}
	}

	/**
	 * @return an endpoint named after its address as {@link IpLiterals#toString(InetSocketAddress)} writes it
	 * ({@code 192.0.2.1:7000}, {@code [2001:db8::1]:7000})
	 */
	public static PeerEndPoint of(InetSocketAddress address) {
		Checks.notNull(address, "address");
		return new PeerEndPoint(IpLiterals.toString(address), address);
	}
}
