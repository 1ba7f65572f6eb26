// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The item asked for does not exist: no contact with that {@code PeerName}, no application or object with
 * that id.
 */
public class NotFoundException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public NotFoundException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public NotFoundException(String message, Throwable cause) {
		super(message, cause);
	}
}
