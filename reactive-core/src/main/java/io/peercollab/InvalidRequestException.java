package io.peercollab;

/**
 * A request or payload was malformed: undecodable, missing fields, values out of their limits, an unknown
 * route or protocol version. The message says which part and why.
 */
public class InvalidRequestException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public InvalidRequestException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public InvalidRequestException(String message, Throwable cause) {
		super(message, cause);
	}
}
