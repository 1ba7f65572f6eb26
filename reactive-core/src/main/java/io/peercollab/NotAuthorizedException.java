// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The remote peer refused the request because of who the caller is: for example a stranger inviting a peer
 * whose invitation policy accepts contacts only, or a blocked contact.
 */
public class NotAuthorizedException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public NotAuthorizedException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public NotAuthorizedException(String message, Throwable cause) {
		super(message, cause);
	}
}
