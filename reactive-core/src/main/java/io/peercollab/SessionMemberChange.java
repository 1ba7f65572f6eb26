// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Optional;

import io.peercollab.identity.PeerName;

/**
 * A member joined a session or its part ended, as {@link CollaborationSession#memberChanges()} tells it:
 * {@code ADDED} when it joined (or is part of the members a stream starts with), {@code REMOVED} when its part ended.
 * A removal says how it ended, as the session itself does (see {@link CollaborationSession}): closed (a goodbye, the
 * member disposed its session or signed out, or the session was closed here) or lost (its process died, its connection
 * broke or went silent).
 *
 * @param type {@code ADDED} or {@code REMOVED}; never {@code null}
 * @param member the member; never {@code null}
 * @param lost for a removal because the member could no longer be reached, why; else empty
 */
public record SessionMemberChange(ChangeType type, PeerName member, Optional<PeerUnreachableException> lost) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 * @throws IllegalArgumentException if the type is {@code UPDATED}, or an addition says the member was lost
	 */
	public SessionMemberChange {
		Checks.notNull(type, "type");
		Checks.notNull(member, "member");
		Checks.notNull(lost, "lost");
		if (type == ChangeType.UPDATED) {
			throw new IllegalArgumentException("type must be ADDED or REMOVED, was UPDATED");
		}
		if (type == ChangeType.ADDED && lost.isPresent()) {
			throw new IllegalArgumentException("lost must be empty for an addition");
		}
	}

	/** @return whether this is a removal because the member could no longer be reached (not a goodbye) */
	public boolean isLost() {
		return lost.isPresent();
	}
}
