// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Where this endpoint is signed in, and to whom a published item (an application, an object) is shown. Presence
 * carries no scope of its own: it is shown as an item with {@link #ALL} would be, wherever this endpoint is signed in.
 *
 * <ul>
 *   <li>{@link #NONE}: nowhere; an item with this scope is shown to no one.</li>
 *   <li>{@link #NEAR_ME}: people near me on the local network (mDNS), contacts or not.</li>
 *   <li>{@link #INTERNET}: contacts whose {@code subscribeAllowed} is {@code ALLOWED}, wherever they are.</li>
 *   <li>{@link #ALL}: both.</li>
 * </ul>
 */
public enum PeerScope {
	/** Nowhere. */
	NONE,
	/** People near me. */
	NEAR_ME,
	/** Allowed contacts, reached by identity. */
	INTERNET,
	/** {@link #NEAR_ME} and {@link #INTERNET}. */
	ALL;

	/** @return whether this scope covers people near me */
	public boolean includesNearMe() {
		return this == NEAR_ME || this == ALL;
	}

	/** @return whether this scope covers contacts over the Internet */
	public boolean includesInternet() {
		return this == INTERNET || this == ALL;
	}

	/** @return whether every part of {@code other} is covered by this scope */
	public boolean includes(PeerScope other) {
		return (!other.includesNearMe() || includesNearMe()) && (!other.includesInternet() || includesInternet());
	}

	/** @return the scope covering both this one and {@code other} */
	public PeerScope plus(PeerScope other) {
		return of(includesNearMe() || other.includesNearMe(), includesInternet() || other.includesInternet());
	}

	/** @return this scope without the parts of {@code other} */
	public PeerScope minus(PeerScope other) {
		return of(includesNearMe() && !other.includesNearMe(), includesInternet() && !other.includesInternet());
	}

	/** @return the scope with exactly the given parts */
	public static PeerScope of(boolean nearMe, boolean internet) {
		return nearMe ? (internet ? ALL : NEAR_ME) : (internet ? INTERNET : NONE);
	}
}
