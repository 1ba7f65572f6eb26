// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Who may invite this endpoint.
 */
public enum InvitationPolicy {
	/** Anyone who can reach this endpoint. */
	EVERYONE,
	/** Contacts that are not blocked; a stranger's invitation fails at its sender with {@link NotAuthorizedException}. */
	CONTACTS_ONLY
}
