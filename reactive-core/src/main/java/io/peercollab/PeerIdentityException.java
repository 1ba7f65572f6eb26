// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * An identity could not be created, saved or loaded: a wrong password, a damaged or foreign key store file,
 * an unsupported key type. The message says which.
 */
public class PeerIdentityException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PeerIdentityException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PeerIdentityException(String message, Throwable cause) {
		super(message, cause);
	}
}
