// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.UUID;

import io.peercollab.Invitation;
import io.peercollab.PeerApplication;
import io.peercollab.Checks;

/**
 * An invitation on the wire.
 *
 * @param invitationId chosen by the sender, unique
 * @param sessionId the session the sender hosts for this application
 * @param senderNickname the sender's nickname, at most 255 characters; a claim
 * @param application the application, without launch details
 * @param message at most {@value Invitation#MAX_MESSAGE_LENGTH} characters
 * @param data at most {@value Invitation#MAX_DATA_LENGTH} bytes
 * @param expiry how long the receiver waits for an answer before answering {@code EXPIRED}; positive
 */
public record InviteRequest(UUID invitationId, UUID sessionId, String senderNickname, PeerApplication application,
		String message, byte[] data, Duration expiry) {

	/**
	 * @throws io.peercollab.PayloadTooLargeException if {@code senderNickname} or {@code message} is longer than 255
	 * characters or {@code data} larger than {@value io.peercollab.Invitation#MAX_DATA_LENGTH} bytes (the message
	 * names the field and the limit)
	 * @throws IllegalArgumentException if {@code expiry} is not positive
	 * @throws NullPointerException if an id, the application or the expiry is {@code null}
	 */
	public InviteRequest {
		Checks.notNull(invitationId, "invitationId");
		Checks.notNull(sessionId, "sessionId");
		senderNickname = Checks.text(senderNickname, "senderNickname", 255);
		application = Checks.notNull(application, "application").withoutLaunchDetails();
		message = Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		data = Checks.bytes(data, "data", 0, Invitation.MAX_DATA_LENGTH);
		Checks.notNull(expiry, "expiry");
		if (expiry.isNegative() || expiry.isZero()) {
			throw new IllegalArgumentException("expiry must be positive, was " + expiry);
		}
	}

	/** @return a copy of the data */
	@Override
	public byte[] data() {
		// an empty array has nothing to write: handed out as it is
		return data.length == 0 ? data : data.clone();
	}
}
