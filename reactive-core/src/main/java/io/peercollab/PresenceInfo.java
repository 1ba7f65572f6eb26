// SPDX-License-Identifier: Apache-2.0
package io.peercollab;


/**
 * A presence: a status and a descriptive text.
 *
 * @param status the status; never {@code null}
 * @param text a descriptive text of at most {@value #MAX_TEXT_LENGTH} characters; {@code null} becomes {@code ""}
 */
public record PresenceInfo(PresenceStatus status, String text) {

	/** The longest descriptive text, in characters. */
	public static final int MAX_TEXT_LENGTH = 255;

	/** {@link PresenceStatus#ONLINE} with no text: the presence right after signing in. */
	public static final PresenceInfo ONLINE = new PresenceInfo(PresenceStatus.ONLINE, "");

	/** {@link PresenceStatus#OFFLINE} with no text: the presence of an endpoint that is signed out. */
	public static final PresenceInfo OFFLINE = new PresenceInfo(PresenceStatus.OFFLINE, "");

	/**
	 * Validates the fields.
	 *
	 * @throws PayloadTooLargeException if {@code text} is longer than {@value #MAX_TEXT_LENGTH} characters
	 * @throws NullPointerException if {@code status} is {@code null}
	 */
	public PresenceInfo {
		Checks.notNull(status, "status");
		text = Checks.text(text, "text", MAX_TEXT_LENGTH);
	}

	/**
	 * Written out rather than the record's generated equality, which goes through a chain of method handles: a
	 * presence is compared for every follower and every receiving endpoint on each change, where that chain took
	 * several percent of the fan-out's time (JFR, FanOutEndpointsBenchmark). Same meaning: both components equal.
	 */
	@Override
	public boolean equals(Object o) {
		return o == this || o instanceof PresenceInfo p && status == p.status && text.equals(p.text);
	}

	@Override
	public int hashCode() {
		return 31 * status.hashCode() + text.hashCode();
	}

	/** @return a presence with this status and no text */
	public static PresenceInfo of(PresenceStatus status) {
		return new PresenceInfo(status, "");
	}
}
