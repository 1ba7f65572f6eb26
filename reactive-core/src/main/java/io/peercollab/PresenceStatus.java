// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * The presence states of the collaboration system PeerCollab re-creates, from least to most available.
 */
public enum PresenceStatus {
	/** Signed out, or not shown. Cannot be set while signed in. */
	OFFLINE,
	/** Out to lunch. */
	OUT_TO_LUNCH,
	/** Away. */
	AWAY,
	/** Be right back. */
	BE_RIGHT_BACK,
	/** Idle. */
	IDLE,
	/** Busy. */
	BUSY,
	/** On the phone. */
	ON_THE_PHONE,
	/** Online: the state after signing in. */
	ONLINE
}
