package io.peercollab.spi;

import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.Checks;

/**
 * A session message on the wire.
 *
 * @param origin for frames the host relays, the member who sent the message; {@code null} for a frame from the hop's
 * own sender
 * @param data at most {@value SessionMessage#MAX_DATA_LENGTH} bytes
 */
public record SessionFrame(PeerName origin, byte[] data) {

	/**
	 * @throws io.peercollab.PayloadTooLargeException if {@code data} is larger than
	 * {@value io.peercollab.SessionMessage#MAX_DATA_LENGTH} bytes
	 */
	public SessionFrame {
		data = Checks.bytes(data, "data", 0, SessionMessage.MAX_DATA_LENGTH);
	}

	/** @return a copy of the data */
	@Override
	public byte[] data() {
		return data.clone();
	}
}
