// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * How an invitation was answered.
 */
public enum InvitationStatus {
	/** The invitee accepted; a session is open. */
	ACCEPTED,
	/** The invitee declined, or its endpoint declined for it (application not registered, crossing invitation). */
	DECLINED,
	/** Nobody answered before the invitation's expiry. Not an error. */
	EXPIRED,
	/**
	 * The sender cancelled it ({@link SentInvitation#cancel()}) before an answer: the outcome its own observers see;
	 * the invitee sees it {@code WITHDRAWN}, or never sees it if it was cancelled before it was delivered. Never an
	 * answer on the wire.
	 */
	CANCELLED
}
