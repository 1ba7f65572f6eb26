// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * An invitation can no longer be answered: it was already accepted or declined, it expired, or its sender withdrew
 * it. The message says which.
 */
public class InvitationClosedException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong
	 */
	public InvitationClosedException(String message) {
		super(message);
	}
}
