package io.peercollab;

/**
 * Root of every error PeerCollab signals. Errors from the library arrive through {@code onError} as one of its
 * subtypes; each says what went wrong in words a user can act on.
 *
 * <p>Subtypes map one-to-one to the error codes of the wire protocol (see {@code rsocket-transport/PROTOCOL.md}), so a
 * remote peer's refusal arrives as the same type it was raised as.
 */
public class PeerCollabException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PeerCollabException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PeerCollabException(String message, Throwable cause) {
		super(message, cause);
	}
}
