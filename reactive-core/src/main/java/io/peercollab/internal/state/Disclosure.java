// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.state;

import java.util.Objects;

import io.peercollab.PeerScope;
import io.peercollab.Sharing;
import io.peercollab.contact.PeerContact;

/**
 * The privacy model in one place: which audience a caller belongs to, and what each audience is shown of this
 * endpoint's contact card and presence. The README's privacy table describes it; the responder asks it on every
 * request, with what the handshake proved about the caller and the scopes this endpoint is signed in to then.
 *
 * <p>Applications and objects carry their own {@link PeerScope}, checked by the engine; this class decides the
 * fields that have none.
 */
public final class Disclosure {

	/** Who is asking, as far as this endpoint can tell. */
	public enum Audience {
		/** A contact whose {@code subscribeAllowed} is {@code ALLOWED}. */
		CONTACT,
		/** Anyone else (a blocked contact included) while this endpoint is signed in to {@code NEAR_ME}. */
		STRANGER_NEAR_ME,
		/**
		 * Anyone else while this endpoint is not signed in to {@code NEAR_ME}: it learns what the TLS handshake
		 * shows (the certificate and the name it proves) and nothing more.
		 */
		STRANGER_ON_INTERNET
	}

	private final Sharing displayName;
	private final Sharing email;
	private final Sharing presence;

	public Disclosure(Sharing displayName, Sharing email, Sharing presence) {
		this.displayName = Objects.requireNonNull(displayName, "displayName");
		this.email = Objects.requireNonNull(email, "email");
		this.presence = Objects.requireNonNull(presence, "presence");
	}

	/**
	 * @param allowedContact whether the caller is a contact allowed to follow this endpoint
	 * @param signedIn the scopes this endpoint is signed in to now
	 */
	public static Audience audience(boolean allowedContact, PeerScope signedIn) {
		if (allowedContact) {
			return Audience.CONTACT;
		}
		return signedIn.includesNearMe() ? Audience.STRANGER_NEAR_ME : Audience.STRANGER_ON_INTERNET;
	}

	/**
	 * @return the card {@code audience} is served: name and certificate always (the handshake shows them anyway);
	 * the nickname to contacts and strangers near me (the mDNS announcement carries it anyway); display name and
	 * e-mail as shared; never endpoints (a caller reached this endpoint already) nor the local follow settings
	 */
	public PeerContact card(PeerContact me, Audience audience) {
		String nickname = audience == Audience.STRANGER_ON_INTERNET ? "" : me.nickname();
		return new PeerContact(me.name(), nickname, shown(displayName, audience) ? me.displayName() : "",
				shown(email, audience) ? me.email() : "", me.certificate(), null, false, null);
	}

	/** @return whether {@code audience} is shown this endpoint's presence (else it reads {@code OFFLINE}) */
	boolean presence(Audience audience) {
		return shown(presence, audience);
	}

	static boolean shown(Sharing sharing, Audience audience) {
		return switch (sharing) {
			case NO_ONE -> false;
			case CONTACTS -> audience == Audience.CONTACT;
			case CONTACTS_AND_NEAR_ME -> audience != Audience.STRANGER_ON_INTERNET;
		};
	}
}
