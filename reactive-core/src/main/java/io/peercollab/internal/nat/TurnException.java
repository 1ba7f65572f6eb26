// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import io.peercollab.PeerCollabException;

/**
 * A TURN server answered a request with an error response: {@link #code()} is its ERROR-CODE (RFC 8656 section 19,
 * RFC 6062 section 6.3), and the message names the server, the request and the reason.
 */
public class TurnException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	private final int code;

	TurnException(String message, int code) {
		super(message);
		this.code = code;
	}

	/** @return the ERROR-CODE, 300 to 699, or 0 if the response carried none */
	public int code() {
		return code;
	}

	/**
	 * The TURN server refused the credentials (401 Unauthorized after an authenticated request, 441 Wrong
	 * Credentials): a configuration error, not a network one.
	 */
	public static final class CredentialsRefused extends TurnException {

		private static final long serialVersionUID = 1L;

		CredentialsRefused(String message, int code) {
			super(message, code);
		}
	}
}
