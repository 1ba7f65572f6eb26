// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

/**
 * Whether a contact may follow this endpoint (see what it publishes with {@code INTERNET} scope and subscribe to its
 * changes). A {@link #BLOCKED} contact is treated as a stranger.
 */
public enum SubscribeAllowed {
	/** The contact may follow this endpoint. */
	ALLOWED,
	/** The contact is treated as a stranger. */
	BLOCKED
}
