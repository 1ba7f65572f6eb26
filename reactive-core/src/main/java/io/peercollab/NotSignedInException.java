// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The operation needs this endpoint to be signed in to a scope it is not signed in to (for example
 * {@code peersNearMe()} without {@code NEAR_ME}, or setting presence while signed out).
 */
public class NotSignedInException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public NotSignedInException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public NotSignedInException(String message, Throwable cause) {
		super(message, cause);
	}
}
