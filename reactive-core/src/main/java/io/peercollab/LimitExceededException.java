package io.peercollab;

/**
 * A named protection limit was exceeded (streams per connection, invitations per peer per minute,
 * connections per peer, applications or objects per endpoint). The message names the limit and its value.
 */
public class LimitExceededException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public LimitExceededException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public LimitExceededException(String message, Throwable cause) {
		super(message, cause);
	}
}
