// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import io.peercollab.ConnectionPath;
import io.peercollab.IpLiterals;

/**
 * How a connection of this transport travels ({@link io.peercollab.spi.PeerConnection#path()}): the server says in
 * its {@code hello} answer whether the connection reached it through its TURN relay, and at which of its addresses it
 * accepted a direct one; the client compares that with the address it dialled. A connection through a relay is
 * {@link ConnectionPath#RELAYED}; one the server served as its end of a hole punch is
 * {@link ConnectionPath#HOLE_PUNCHED}; one accepted at another address than the one dialled went through a port the
 * server's NAT forwards ({@link ConnectionPath#MAPPED}); any other is {@link ConnectionPath#DIRECT}. What the server
 * says is a hint for display: a value the client cannot read is ignored, and nothing else depends on it.
 */
final class ConnectionPaths {

	private ConnectionPaths() {
	}

	/**
	 * @return the {@code hello} answer on {@code connection}: the limits, the instance, and how the connection reached
	 * this server
	 */
	static Wire.Hello hello(int maxPayloadSize, int maxStreams, String instance,
			InboundConnections.Connection connection) {
		return hello(maxPayloadSize, maxStreams, instance, connection, null);
	}

	/** The longest address text read from the wire ({@code dialled}): a bracketed IPv6 literal with zone and port. */
	static final int MAX_ADDRESS_LENGTH = 64;

	/**
	 * As {@link #hello(int, int, String, InboundConnections.Connection)}, after the client said which address it
	 * dialled: a direct connection dialled at another address than the one it was accepted at came through a port
	 * this server's NAT forwards, and is {@link ConnectionPath#MAPPED} on this side too (the connection's path changes,
	 * and the answer says so).
	 *
	 * @param request the client's {@code hello} request, or {@code null} if it sent empty data
	 * @throws io.peercollab.InvalidRequestException naming the field if {@code dialled} is longer than
	 *     {@link #MAX_ADDRESS_LENGTH} characters or not an IP literal and port
	 */
	static Wire.Hello hello(int maxPayloadSize, int maxStreams, String instance,
			InboundConnections.Connection connection, Wire.HelloRequest request) {
		SocketAddress local = connection.channel.localAddress();
		ConnectionPath path = accepted(connection);
		if (request != null && request.dialled() != null) {
			InetSocketAddress dialled = dialled(request.dialled());
			if (path.equals(ConnectionPath.DIRECT) && local instanceof InetSocketAddress l && !same(l, dialled)) {
				path = ConnectionPath.MAPPED;
				connection.pathChanged(path);
			}
		}
		boolean relayed = path.equals(ConnectionPath.RELAYED);
		return new Wire.Hello(maxPayloadSize, maxStreams, instance, path.name(),
				!relayed && local instanceof InetSocketAddress l ? IpLiterals.toString(l) : null,
				connection.address == null ? null : IpLiterals.toString(connection.address), null);
	}

	/**
	 * @return the path of an inbound connection as this server sees it: {@link ConnectionPath#RELAYED} through its
	 * TURN relay, {@link ConnectionPath#HOLE_PUNCHED} if it is this end of a hole punch, else
	 * {@link ConnectionPath#DIRECT} (a server cannot tell whether its NAT forwarded it)
	 */
	static ConnectionPath accepted(InboundConnections.Connection connection) {
		if (connection.channel.pipeline().get(SecureServerTransport.RELAYED_TLS) != null) {
			return ConnectionPath.RELAYED;
		}
		return connection.channel.pipeline().get(SecureServerTransport.PUNCHED_TLS) != null
				? ConnectionPath.HOLE_PUNCHED : ConnectionPath.DIRECT;
	}

	/**
	 * @param throughRelay whether this side dialled through a relay (a TURN Connect from its own allocation)
	 * @param dialled the socket address dialled
	 * @param hello the server's answer
	 * @return the path of the connection
	 */
	static ConnectionPath path(boolean throughRelay, InetSocketAddress dialled, Wire.Hello hello) {
		if (throughRelay || ConnectionPath.RELAYED.name().equals(hello.path())) {
			return ConnectionPath.RELAYED;
		}
		if (ConnectionPath.HOLE_PUNCHED.name().equals(hello.path())) {
			return ConnectionPath.HOLE_PUNCHED;
		}
		InetSocketAddress local = parse(hello.local());
		if (local == null || dialled.isUnresolved()) {
			return ConnectionPath.DIRECT;
		}
		boolean same = local.getPort() == dialled.getPort()
				&& Arrays.equals(canonical(local.getAddress()), canonical(dialled.getAddress()));
		return same ? ConnectionPath.DIRECT : ConnectionPath.MAPPED;
	}

	private static InetSocketAddress dialled(String text) {
		if (text.length() > MAX_ADDRESS_LENGTH) {
			throw new io.peercollab.InvalidRequestException("hello request field 'dialled' is " + text.length()
					+ " characters, the limit is " + MAX_ADDRESS_LENGTH);
		}
		try {
			return IpLiterals.parseSocketAddress(text);
		}
		catch (IllegalArgumentException e) {
			throw new io.peercollab.InvalidRequestException("hello request field 'dialled' must be an IP literal and "
					+ "port: " + e.getMessage(), e);
		}
	}

	private static boolean same(InetSocketAddress a, InetSocketAddress b) {
		return a.getPort() == b.getPort() && Arrays.equals(canonical(a.getAddress()), canonical(b.getAddress()));
	}

	private static InetSocketAddress parse(String text) {
		if (text == null) {
			return null;
		}
		try {
			InetSocketAddress a = IpLiterals.parseSocketAddress(text);
			return a.isUnresolved() ? null : a;
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** @return the address's bytes, an IPv4-mapped IPv6 address as the IPv4 address it maps */
	private static byte[] canonical(InetAddress address) {
		byte[] b = address.getAddress();
		if (b.length == 16) {
			try {
				// getByAddress turns ::ffff:a.b.c.d into the Inet4Address a.b.c.d
				return InetAddress.getByAddress(b).getAddress();
			}
			catch (UnknownHostException e) {
				return b;
			}
		}
		return b;
	}
}
