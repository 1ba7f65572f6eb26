// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.Invitation;
import io.peercollab.InvitationStatus;
import io.peercollab.Checks;

/**
 * The answer to an {@link InviteRequest} on the wire.
 *
 * @param status the answer
 * @param message a message back, at most {@value Invitation#MAX_MESSAGE_LENGTH} characters
 */
public record InviteReply(InvitationStatus status, String message) {

	/**
	 * @throws io.peercollab.PayloadTooLargeException if the message is longer than
	 * {@value io.peercollab.Invitation#MAX_MESSAGE_LENGTH} characters
	 */
	public InviteReply {
		Checks.notNull(status, "status");
		message = Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
	}
}
