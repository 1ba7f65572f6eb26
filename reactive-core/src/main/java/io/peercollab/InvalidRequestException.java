// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A request or payload that came over the wire was malformed: undecodable, missing fields, a value of the wrong type
 * or shape (a malformed UUID, an unknown enum value, a non-positive expiry), an unknown route or protocol version. The
 * message says which part and why. A value over a length or size limit is a {@link PayloadTooLargeException} instead.
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
