// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;


/**
 * The answer to an invitation this endpoint sent: its status, an optional message back, and, when accepted, the
 * session this endpoint hosts for the application, already connected to the invitee.
 */
public final class InvitationResponse {

	private final InvitationStatus status;
	private final String message;
	private final @Nullable CollaborationSession session;

	private InvitationResponse(InvitationStatus status, String message, @Nullable CollaborationSession session) {
		this.status = Checks.notNull(status, "status");
		this.message = Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		this.session = session;
	}

	/**
	 * @return a response without a session: {@code DECLINED} or {@code EXPIRED}
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 * @throws IllegalArgumentException if {@code status} is {@code ACCEPTED}, which needs a session
	 */
	public static InvitationResponse of(InvitationStatus status, String message) {
		if (status == InvitationStatus.ACCEPTED) {
			throw new IllegalArgumentException("an ACCEPTED response needs its session: use accepted(...)");
		}
		return new InvitationResponse(status, message, null);
	}

	/**
	 * @return an {@code ACCEPTED} response with its session
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 */
	public static InvitationResponse accepted(String message, CollaborationSession session) {
		return new InvitationResponse(InvitationStatus.ACCEPTED, message,
				Objects.requireNonNull(session, "session"));
	}

	/** @return how the invitation was answered */
	public InvitationStatus status() {
		return status;
	}

	/** @return the invitee's message back, or {@code ""} */
	public String message() {
		return message;
	}

	/** @return the session when {@link #status()} is {@code ACCEPTED}, else empty */
	public Optional<CollaborationSession> session() {
		return Optional.ofNullable(session);
	}

	@Override
	public String toString() {
		return "InvitationResponse[" + status + (message.isEmpty() ? "" : ", " + message) + "]";
	}
}
