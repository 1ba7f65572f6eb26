// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The remote peer could not be reached, or the connection to it was lost while an interaction was pending
 * (connect refused, keepalive timed out, the peer's process died).
 */
public class PeerUnreachableException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PeerUnreachableException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PeerUnreachableException(String message, Throwable cause) {
		super(message, cause);
	}
}
