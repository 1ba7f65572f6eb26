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
	EXPIRED
}
