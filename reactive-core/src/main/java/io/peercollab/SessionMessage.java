// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.peercollab.identity.PeerName;
import org.jspecify.annotations.Nullable;

/**
 * A message received in a {@link CollaborationSession}: who sent it and its bytes. Immutable: it keeps its bytes to
 * itself, and {@link #data()} returns a copy.
 *
 * <p>{@link #SessionMessage(PeerName, byte[])} copies the bytes it is given; {@link #wrap(PeerName, byte[])} adopts
 * them, for a transport or the engine that made the array for this message alone (a received message's bytes are
 * copied once, from the transport's buffer, and not again).
 */
public final class SessionMessage {

	/** The largest session message, in bytes. */
	public static final int MAX_DATA_LENGTH = 65_536;

	private final PeerName from;
	private final byte[] data;

	/**
	 * @param from who sent it, as proven by the TLS handshake of the hop it came over (the host vouches for messages it
	 * relays from other members)
	 * @param data the message's bytes, at most {@value #MAX_DATA_LENGTH}; copied ({@code null} is no bytes)
	 * @throws PayloadTooLargeException if {@code data} is larger than {@value #MAX_DATA_LENGTH} bytes
	 */
	public SessionMessage(PeerName from, byte @Nullable [] data) {
		this(from, Checks.bytes(data, "data", 0, MAX_DATA_LENGTH), true);
	}

	private SessionMessage(PeerName from, byte[] owned, boolean adopted) {
		this.from = Checks.notNull(from, "from");
		this.data = owned;
	}

	/**
	 * A message that keeps {@code data} itself instead of a copy: whoever calls this gives the array up, and must
	 * neither change it nor hand it to anyone else afterwards.
	 *
	 * @param from who sent it
	 * @param data the message's bytes, at most {@value #MAX_DATA_LENGTH}
	 * @return the message
	 * @throws PayloadTooLargeException if {@code data} is larger than {@value #MAX_DATA_LENGTH} bytes
	 */
	public static SessionMessage wrap(PeerName from, byte[] data) {
		Checks.notNull(data, "data");
		Checks.size(data.length, "data", MAX_DATA_LENGTH);
		return new SessionMessage(from, data, true);
	}

	/** @return who sent it, as proven by the TLS handshake of the hop it came over */
	public PeerName from() {
		return from;
	}

	/** @return a copy of the message's bytes */
	public byte[] data() {
		return data.clone();
	}

	/** @return how many bytes the message holds, without copying them */
	public int length() {
		return data.length;
	}

	/** @return the message decoded as UTF-8 text */
	public String text() {
		return new String(data, StandardCharsets.UTF_8);
	}

	/** Two messages are equal when they come from the same peer with the same bytes. */
	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof SessionMessage m && m.from.equals(from) && Arrays.equals(m.data, data);
	}

	@Override
	public int hashCode() {
		return 31 * from.hashCode() + Arrays.hashCode(data);
	}

	@Override
	public String toString() {
		return "SessionMessage[from=" + from + ", " + data.length + " bytes]";
	}
}
