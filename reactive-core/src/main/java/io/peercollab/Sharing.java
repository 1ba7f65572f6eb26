// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Who is shown one piece of this endpoint's personal data: its display name, its e-mail address, its presence. Set
 * per piece on the builder ({@link PeerCollaboration.Builder#shareDisplayName}, {@link
 * PeerCollaboration.Builder#shareEmail}, {@link PeerCollaboration.Builder#sharePresence}).
 *
 * <p>Who a caller is comes from the TLS handshake only (its certificate proves its name). An <em>allowed contact</em>
 * is a contact whose {@code subscribeAllowed} is {@code ALLOWED}; a blocked contact is treated as a stranger. A
 * <em>stranger near me</em> is any other caller while this endpoint is signed in to {@code NEAR_ME}: the library
 * cannot tell where a caller sits, only what this endpoint announced. A stranger while this endpoint is not signed
 * in to {@code NEAR_ME} (a <em>stranger on the Internet</em>) is never shown any of these.
 */
public enum Sharing {

	/** Shown to no one, allowed contacts included (for presence: invisible, everybody reads {@code OFFLINE}). */
	NO_ONE,

	/** Shown to allowed contacts only, wherever they call from. */
	CONTACTS,

	/** Shown to allowed contacts, and to strangers while this endpoint is signed in to {@code NEAR_ME}. */
	CONTACTS_AND_NEAR_ME
}
