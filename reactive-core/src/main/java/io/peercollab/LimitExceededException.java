// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A count or rate limit of the protocol was exceeded (streams per connection, invitations per peer per minute,
 * connections per peer, applications or objects per endpoint, endpoints of a contact). The message names the limit and
 * its value. A length or size limit is a {@link PayloadTooLargeException} instead.
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
