// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a connection to a peer travels through the network, as the transport that made it says: straight to the
 * peer, through a port its NAT forwards, through a hole punched in both NATs, or through a relay. Shown by
 * {@link Peer#path()} and {@link Peer#pathChanges()}, reported per connection by
 * {@link io.peercollab.spi.PeerConnection#path()}. Whatever the path, TLS and the pinning of the peer's key run end to
 * end: a relay only ever sees ciphertext.
 *
 * <p>An open set: the constants below are what the library's transports report, and a transport of another party
 * names a path of its own with {@link #of(String)}:
 *
 * <pre>{@code
 * static final ConnectionPath BLUETOOTH = ConnectionPath.of("BLUETOOTH");
 * }</pre>
 *
 * Two paths are equal when their names are; compare them with {@link #equals(Object)}, not {@code ==}. The
 * {@link #toString()} of a path is its name.
 *
 * @param name the path's name: 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
 */
public record ConnectionPath(String name) {

	/** The longest name of a path, in characters. */
	public static final int MAX_NAME_LENGTH = 64;

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

	/**
	 * No connection is open to the peer now: what {@link Peer#path()} says before the first connection and after the
	 * last one closed. Never a transport's report about a connection.
	 */
	public static final ConnectionPath NOT_CONNECTED = new ConnectionPath("NOT_CONNECTED");

	/** Straight to the address the peer listens at, with no NAT of the peer's in between. */
	public static final ConnectionPath DIRECT = new ConnectionPath("DIRECT");

	/**
	 * To a public address that the peer's NAT forwards to it: a port mapping it asked its gateway for (PCP, NAT-PMP,
	 * UPnP-IGD), one forwarded by hand, or the public address of a NAT that lets anyone reach the port it maps (a
	 * "full cone", learnt from a STUN server).
	 */
	public static final ConnectionPath MAPPED = new ConnectionPath("MAPPED");

	/** A direct connection opened through both sides' NATs by a TCP simultaneous open. */
	public static final ConnectionPath HOLE_PUNCHED = new ConnectionPath("HOLE_PUNCHED");

	/** Through a relay, such as a TURN server (RFC 6062); end to end encrypted, but every byte crosses the relay. */
	public static final ConnectionPath RELAYED = new ConnectionPath("RELAYED");

	/**
	 * Validates the name.
	 *
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_NAME_LENGTH} characters, or holds a
	 * character other than {@code A-Z a-z 0-9 . _ -}
	 */
	public ConnectionPath {
		Objects.requireNonNull(name, "name");
		if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("ConnectionPath name must be 1 to " + MAX_NAME_LENGTH
					+ " characters of A-Z a-z 0-9 . _ -, was '" + MessageText.quote(name) + "' (" + name.length()
					+ " characters)");
		}
	}

	/**
	 * Returns the path with this name: one of the constants above for their names, else a new path.
	 *
	 * @param name 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if the name is invalid; the message says why
	 */
	public static ConnectionPath of(String name) {
		Objects.requireNonNull(name, "name");
		return switch (name) {
			case "NOT_CONNECTED" -> NOT_CONNECTED;
			case "DIRECT" -> DIRECT;
			case "MAPPED" -> MAPPED;
			case "HOLE_PUNCHED" -> HOLE_PUNCHED;
			case "RELAYED" -> RELAYED;
			default -> new ConnectionPath(name);
		};
	}

	/**
	 * @return how direct this path is, for choosing among several open connections: 0 for {@link #DIRECT}, 1 for
	 * {@link #MAPPED}, 2 for {@link #HOLE_PUNCHED}, 3 for a path of another transport, 4 for {@link #RELAYED}, and 5
	 * for {@link #NOT_CONNECTED}; lower is more direct
	 */
	public int rank() {
		return switch (name) {
			case "DIRECT" -> 0;
			case "MAPPED" -> 1;
			case "HOLE_PUNCHED" -> 2;
			case "RELAYED" -> 4;
			case "NOT_CONNECTED" -> 5;
			default -> 3;
		};
	}

	/** @return the name */
	@Override
	public String toString() {
		return name;
	}
}
