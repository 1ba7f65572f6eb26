// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The remote endpoint proved, in the TLS handshake, a key that does not hash to the {@code PeerName} the caller
 * asked for. Nothing was exchanged with it beyond the handshake.
 */
public class PeerIdentityMismatchException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PeerIdentityMismatchException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PeerIdentityMismatchException(String message, Throwable cause) {
		super(message, cause);
	}
}
