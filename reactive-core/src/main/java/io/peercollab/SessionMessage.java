package io.peercollab;

import io.peercollab.identity.PeerName;
import io.peercollab.internal.Checks;

/**
 * A message received in a {@link CollaborationSession}.
 *
 * @param from who sent it, as proven by the TLS handshake of the hop it came over (the host vouches for messages it
 * relays from other members)
 * @param data the message's bytes, at most {@value #MAX_DATA_LENGTH}
 */
public record SessionMessage(PeerName from, byte[] data) {

	/** The largest session message, in bytes. */
	public static final int MAX_DATA_LENGTH = 65_536;

	/**
	 * @throws PayloadTooLargeException if {@code data} is larger than {@value #MAX_DATA_LENGTH} bytes
	 */
	public SessionMessage {
		Checks.notNull(from, "from");
		if (io.peercollab.internal.Handover.claim(data)) {
			// the engine's own array for a received message: checked, not copied again
			Checks.size(data.length, "data", MAX_DATA_LENGTH);
		}
		else {
			data = Checks.bytes(data, "data", 0, MAX_DATA_LENGTH);
		}
	}

	/** @return a copy of the message's bytes */
	@Override
	public byte[] data() {
		return data.clone();
	}

	/** @return the message decoded as UTF-8 text */
	public String text() {
		return new String(data, java.nio.charset.StandardCharsets.UTF_8);
	}
}
