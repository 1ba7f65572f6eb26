package io.peercollab;

/**
 * A value exceeds a size limit of the protocol (an invitation's data, a message, a payload on the wire). The
 * message names the limit.
 */
public class PayloadTooLargeException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PayloadTooLargeException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PayloadTooLargeException(String message, Throwable cause) {
		super(message, cause);
	}
}
