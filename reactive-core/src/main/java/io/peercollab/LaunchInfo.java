// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Optional;
import java.util.UUID;

import io.peercollab.identity.PeerName;
import reactor.core.publisher.Mono;

/**
 * What an application started by an accepted invitation learns of it: who invited it from which endpoint, into which
 * application, with which message and data, and the session to join. Only an application that a per-user agent
 * launched on accepting an invitation has one ({@link PeerCollaboration#launchInfo()}); it travels over the agent's
 * local channel, never through command-line arguments or the environment, so other local users cannot read it.
 */
public interface LaunchInfo {

	/** @return the id of the accepted invitation, chosen by its sender */
	UUID invitationId();

	/** @return the inviter's name, as proven by the TLS handshake */
	PeerName inviter();

	/** @return the nickname the inviter gave; a claim, shown for display */
	String inviterNickname();

	/**
	 * @return the inviter's endpoint: where the invitation came from, as {@link Invitation#senderEndPoint()}; empty
	 * when the transport did not tell it
	 */
	Optional<PeerEndPoint> inviterEndPoint();

	/** @return the application invited into, as registered on this machine (with its launch details) */
	PeerApplication application();

	/** @return the inviter's message */
	String message();

	/** @return a copy of the inviter's data */
	byte[] data();

	/**
	 * @return the session of the accepted invitation, handed to this application by the agent, which held it from the
	 * acceptance until this application attached; emits it at once, or fails with {@link PeerUnreachableException}
	 * if the session ended before
	 */
	Mono<CollaborationSession> session();
}
