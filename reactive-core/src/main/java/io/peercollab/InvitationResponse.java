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
	private final @Nullable Integer extendedCode;

	private InvitationResponse(InvitationStatus status, String message, @Nullable Integer extendedCode,
			@Nullable CollaborationSession session) {
		this.status = Checks.notNull(status, "status");
		this.message = Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		this.extendedCode = extendedCode;
		this.session = session;
	}

	/**
	 * @return a response without a session: {@code DECLINED} or {@code EXPIRED}
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 * @throws IllegalArgumentException if {@code status} is {@code ACCEPTED}, which needs a session
	 */
	public static InvitationResponse of(InvitationStatus status, String message) {
		return of(status, message, null);
	}

	/**
	 * @param extendedCode the invitee's own code for its answer, or {@code null}
	 * @return a response without a session: {@code DECLINED}, {@code EXPIRED} or {@code CANCELLED}
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 * @throws IllegalArgumentException if {@code status} is {@code ACCEPTED}, which needs a session
	 */
	public static InvitationResponse of(InvitationStatus status, String message, @Nullable Integer extendedCode) {
		if (status == InvitationStatus.ACCEPTED) {
			throw new IllegalArgumentException("an ACCEPTED response needs its session: use accepted(...)");
		}
		return new InvitationResponse(status, message, extendedCode, null);
	}

	/**
	 * @return an {@code ACCEPTED} response with its session
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 */
	public static InvitationResponse accepted(String message, CollaborationSession session) {
		return accepted(message, null, session);
	}

	/**
	 * @param extendedCode the invitee's own code for its answer, or {@code null}
	 * @return an {@code ACCEPTED} response with its session
	 * @throws PayloadTooLargeException if {@code message} is longer than {@value Invitation#MAX_MESSAGE_LENGTH}
	 * characters
	 */
	public static InvitationResponse accepted(String message, @Nullable Integer extendedCode,
			CollaborationSession session) {
		return new InvitationResponse(InvitationStatus.ACCEPTED, message, extendedCode,
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

	/**
	 * @return the invitee's own code for its answer (Windows' extended information of an invitation response), as it
	 * gave it to {@link Invitation#accept(String, Integer)} or {@link Invitation#decline(String, Integer)}; empty if it
	 * gave none, or answered from an endpoint that does not send one
	 */
	public java.util.OptionalInt extendedCode() {
		return extendedCode == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(extendedCode);
	}

	/** @return the session when {@link #status()} is {@code ACCEPTED}, else empty */
	public Optional<CollaborationSession> session() {
		return Optional.ofNullable(session);
	}

	@Override
	public String toString() {
		return "InvitationResponse[" + status + (message.isEmpty() ? "" : ", " + message)
				+ (extendedCode == null ? "" : ", code " + extendedCode) + "]";
	}
}
