// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A session message on the wire.
 *
 * <p>A frame holds its array as it was given, without copying it, and {@link #data()} returns that array: session
 * messages cross the engine and the transport once, not once per layer. Whoever builds a frame hands the array over
 * and must not modify it afterwards. The engine hands a transport frames whose arrays the transport only reads, and
 * only until it takes the next frame (by then it has encoded or copied this one); a transport hands the engine frames
 * whose arrays nobody else holds (decoded from the wire, or copied).
 *
 * @param origin for frames the host relays, the member who sent the message; {@code null} for a frame from the hop's
 * own sender
 * @param data at most {@value SessionMessage#MAX_DATA_LENGTH} bytes; {@code null} reads as empty
 */
public record SessionFrame(@Nullable PeerName origin, byte[] data) {

	private static final byte[] EMPTY = new byte[0];

	/**
	 * @throws io.peercollab.PayloadTooLargeException if {@code data} is larger than
	 * {@value io.peercollab.SessionMessage#MAX_DATA_LENGTH} bytes
	 */
	public SessionFrame {
		data = data == null ? EMPTY : data;
		Checks.size(data.length, "data", SessionMessage.MAX_DATA_LENGTH);
	}

	/** @return the data itself, not a copy: read it, do not modify it (see the type's description) */
	@Override
	public byte[] data() {
		return data;
	}
}
