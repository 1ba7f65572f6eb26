// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A contact card was rejected: malformed or hostile XML, a missing or over-long field, broken base64, or a
 * {@code PeerName} that does not match the card's certificate. Nothing was stored.
 */
public class InvalidContactCardException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public InvalidContactCardException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public InvalidContactCardException(String message, Throwable cause) {
		super(message, cause);
	}
}
