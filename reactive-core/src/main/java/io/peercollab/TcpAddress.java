// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * An IP address, or a host name not yet resolved, and a TCP port: where every transport of this release listens
 * and dials.
 *
 * <pre>{@code
 * TcpAddress a = TcpAddress.of(IpLiterals.parseSocketAddress("[2001:db8::1]:7000"));
 * a.port();     // 7000
 * a.toString(); // "[2001:db8::1]:7000"
 * }</pre>
 *
 * @param socketAddress the socket address; its port is between 1 and 65535
 */
public record TcpAddress(InetSocketAddress socketAddress) implements PeerAddress {

	/**
	 * @throws NullPointerException if {@code socketAddress} is {@code null}
	 * @throws IllegalArgumentException if its port is 0
	 */
	public TcpAddress {
		Checks.notNull(socketAddress, "socketAddress");
		if (socketAddress.getPort() == 0) {
			throw new IllegalArgumentException("address must have a port between 1 and 65535, was 0");
		}
	}

	/**
	 * @return the address of {@code socketAddress}
	 * @throws NullPointerException if {@code socketAddress} is {@code null}
	 * @throws IllegalArgumentException if its port is 0
	 */
	public static TcpAddress of(InetSocketAddress socketAddress) {
		return new TcpAddress(socketAddress);
	}

	/**
	 * @return the address {@code address:port}
	 * @throws NullPointerException if {@code address} is {@code null}
	 * @throws IllegalArgumentException if the port is not between 1 and 65535
	 */
	public static TcpAddress of(InetAddress address, int port) {
		Checks.notNull(address, "address");
		return new TcpAddress(new InetSocketAddress(address, port));
	}

	/** @return {@code "tcp"} */
	@Override
	public String scheme() {
		return "tcp";
	}

	/** @return the port, between 1 and 65535 */
	public int port() {
		return socketAddress.getPort();
	}

	/** @return the IP address, or {@code null} for a host name not yet resolved */
	public @Nullable InetAddress address() {
		return socketAddress.getAddress();
	}

	/**
	 * @return as {@link IpLiterals#toString(InetSocketAddress)} writes it: {@code 192.0.2.1:7000},
	 * {@code [2001:db8::1]:7000}, or {@code host:7000} for a host name not yet resolved
	 */
	@Override
	public String toString() {
		return IpLiterals.toString(socketAddress);
	}
}
