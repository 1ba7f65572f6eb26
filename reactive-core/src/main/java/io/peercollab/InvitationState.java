// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Where a received {@link Invitation} stands. Only a {@link #PENDING} invitation can be answered.
 */
public enum InvitationState {
	/** Waiting for an answer. */
	PENDING,
	/** Accepted here. */
	ACCEPTED,
	/** Declined here (or automatically). */
	DECLINED,
	/** Not answered before its expiry. */
	EXPIRED,
	/** The sender cancelled it, or its connection was lost, before an answer. */
	WITHDRAWN
}
