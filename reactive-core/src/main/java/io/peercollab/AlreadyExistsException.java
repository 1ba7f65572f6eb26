// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * An item with the same key already exists: a contact with the same {@code PeerName}, an application with the
 * same id.
 */
public class AlreadyExistsException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public AlreadyExistsException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public AlreadyExistsException(String message, Throwable cause) {
		super(message, cause);
	}
}
