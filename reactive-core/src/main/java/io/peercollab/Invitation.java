// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import io.peercollab.identity.PeerName;
import reactor.core.publisher.Mono;

/**
 * An invitation received from another peer, as emitted by {@link PeerCollaboration#invitations()}. It can be
 * answered once, while {@link #state()} is {@code PENDING}: by {@link #accept()} or {@link #decline()}. It stops being
 * answerable when it expires or the sender withdraws it; {@link #outcome()} tells when and how it ended.
 */
public interface Invitation {

	/** The longest invitation message, in characters. */
	int MAX_MESSAGE_LENGTH = 255;

	/** The largest invitation data, in bytes. */
	int MAX_DATA_LENGTH = 16_384;

	/** @return the invitation's id, chosen by its sender */
	UUID id();

	/** @return the sender's name, as proven by the TLS handshake, never as claimed */
	PeerName sender();

	/** @return the nickname the sender gave; a claim, shown for display */
	String senderNickname();

	/**
	 * @return the endpoint the invitation came from: the remote address of the connection it arrived over (for a
	 * connection the sender opened, its host and the port it connected from, which is where it listens only if the
	 * connection is one this endpoint opened; through a relay, the relay's); empty when the transport has no address
	 */
	default Optional<PeerEndPoint> senderEndPoint() {
		return Optional.empty();
	}

	/** @return whether the sender is in this endpoint's contacts (and not blocked) */
	boolean fromContact();

	/** @return the application the sender invites to, as registered here (with local launch details) */
	PeerApplication application();

	/** @return the sender's message, at most {@value #MAX_MESSAGE_LENGTH} characters */
	String message();

	/** @return a copy of the sender's data, at most {@value #MAX_DATA_LENGTH} bytes */
	byte[] data();

	/** @return when the invitation expires if nobody answers */
	Instant expiresAt();

	/** @return where the invitation stands now */
	InvitationState state();

	/**
	 * Accepts the invitation, without a message.
	 *
	 * @return the session with the sender, once the sender has connected it; fails with
	 * {@link InvitationClosedException} if the invitation was already answered, expired or withdrawn, and with
	 * {@link PeerUnreachableException} if the sender went away or did not open the session within 30 s
	 */
	default Mono<CollaborationSession> accept() {
		return accept("", null);
	}

	/**
	 * Accepts the invitation with a message back and, optionally, a code of the application's own, which the sender
	 * reads from its {@link InvitationResponse} (an endpoint of an older version answers without them).
	 *
	 * @param message at most {@value #MAX_MESSAGE_LENGTH} characters, or {@code ""}
	 * @param extendedCode the application's own code, or {@code null}
	 * @return as {@link #accept()}; fails with {@link PayloadTooLargeException} if the message is longer than
	 * {@value #MAX_MESSAGE_LENGTH} characters (the invitation stays pending)
	 */
	Mono<CollaborationSession> accept(String message, Integer extendedCode);

	/**
	 * Declines the invitation.
	 *
	 * @param message a message back of at most {@value #MAX_MESSAGE_LENGTH} characters, or {@code ""}
	 * @return completes once the answer is on its way; fails with {@link PayloadTooLargeException} if the message is
	 * longer than {@value #MAX_MESSAGE_LENGTH} characters (the invitation stays pending), with
	 * {@link InvitationClosedException} if the invitation can no longer be answered
	 */
	default Mono<Void> decline(String message) {
		return decline(message, null);
	}

	/**
	 * Declines the invitation with a message back and a code of the application's own, which the sender reads from
	 * its {@link InvitationResponse}.
	 *
	 * @param message at most {@value #MAX_MESSAGE_LENGTH} characters, or {@code ""}
	 * @param extendedCode the application's own code, or {@code null}
	 * @return as {@link #decline(String)}
	 */
	Mono<Void> decline(String message, Integer extendedCode);

	/** Same as {@code decline("")}. */
	default Mono<Void> decline() {
		return decline("");
	}

	/**
	 * @return emits the final state ({@code ACCEPTED}, {@code DECLINED}, {@code EXPIRED} or {@code WITHDRAWN}) once the
	 * invitation ends, then completes; replays it to late subscribers
	 */
	Mono<InvitationState> outcome();
}
