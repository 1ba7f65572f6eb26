// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import io.peercollab.PeerCollabException;

/**
 * A method of {@link io.peercollab.PeerCollaboration} that an application attached to the agent cannot use yet: the
 * local channel does not carry it. The message names the method. Use an embedded endpoint for it meanwhile.
 */
public class NotCarriedByAgentException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message which method is not carried, and what to do instead
	 */
	public NotCarriedByAgentException(String message) {
		super(message);
	}
}
