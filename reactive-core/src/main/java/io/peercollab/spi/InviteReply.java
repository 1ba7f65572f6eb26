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
 * @param extendedCode an application's own code for the answer (Windows' extended information), or {@code null}
 */
public record InviteReply(InvitationStatus status, String message, Integer extendedCode) {

	/**
	 * @throws io.peercollab.PayloadTooLargeException if the message is longer than
	 * {@value io.peercollab.Invitation#MAX_MESSAGE_LENGTH} characters
	 */
	public InviteReply {
		Checks.notNull(status, "status");
		message = Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		if (status == InvitationStatus.CANCELLED) {
			throw new IllegalArgumentException("status CANCELLED is the sender's own outcome; it is never an answer");
		}
	}

	/** An answer without an extended code. */
	public InviteReply(InvitationStatus status, String message) {
		this(status, message, null);
	}
}
