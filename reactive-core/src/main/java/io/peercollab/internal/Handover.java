package io.peercollab.internal;

import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;

/**
 * Builds {@link SessionMessage}s over arrays the engine owns, without the copy their public constructor makes: a
 * received message's bytes are copied once, from the transport's buffer into the array the message keeps, and not
 * again per layer. A message built here is indistinguishable from one built by its constructor (it keeps its array to
 * itself, and {@code data()} still returns a copy).
 *
 * <p>The constructor cannot be told apart by its arguments, so the array to adopt is named in a slot of the calling
 * thread for the duration of the call: only this class writes the slot, and only an array it was given is adopted.
 */
public final class Handover {

	private static final ThreadLocal<byte[][]> SLOT = ThreadLocal.withInitial(() -> new byte[1][]);

	private Handover() {
	}

	/**
	 * @param owned an array nobody else holds or will modify
	 * @return a message keeping {@code owned} itself
	 * @throws io.peercollab.PayloadTooLargeException if {@code owned} is larger than
	 * {@value SessionMessage#MAX_DATA_LENGTH} bytes
	 */
	static SessionMessage message(PeerName from, byte[] owned) {
		byte[][] slot = SLOT.get();
		slot[0] = owned;
		try {
			return new SessionMessage(from, owned);
		}
		finally {
			slot[0] = null;
		}
	}

	/**
	 * For {@link SessionMessage}'s constructor only.
	 *
	 * @return whether {@code data} is the array {@link #message} is handing over on this thread (and then it is
	 * handed over: a second call answers {@code false})
	 */
	public static boolean claim(byte[] data) {
		if (data == null) {
			return false;
		}
		byte[][] slot = SLOT.get();
		if (slot[0] != data) {
			return false;
		}
		slot[0] = null;
		return true;
	}
}
