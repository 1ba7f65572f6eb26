// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A trusted peer: its {@link PeerName}, pinned to its certificate, with what is known about it. Contacts are values;
 * the {@link ContactManager} stores them.
 *
 * @param name the contact's name, the key of the contact store; must match {@code certificate} when secured
 * @param nickname at most {@value #MAX_TEXT_LENGTH} characters; {@code null} becomes {@code ""}
 * @param displayName at most {@value #MAX_TEXT_LENGTH} characters; {@code null} becomes {@code ""}
 * @param email an e-mail address of at most {@value #MAX_EMAIL_LENGTH} characters, or {@code ""}
 * @param certificate the certificate whose key {@code name} is derived from; never {@code null}
 * @param endPoints where the contact was last seen, at most {@value #MAX_ENDPOINTS}; {@code null} becomes empty
 * @param subscribed whether this endpoint follows the contact's presence, applications and objects
 * @param subscribeAllowed whether the contact may follow this endpoint; {@code null} becomes {@code ALLOWED}
 */
public record PeerContact(PeerName name, String nickname, String displayName, String email,
		X509Certificate certificate, List<PeerEndPoint> endPoints, boolean subscribed,
		SubscribeAllowed subscribeAllowed) {

	/** The longest nickname or display name, in characters. */
	public static final int MAX_TEXT_LENGTH = 255;

	/** The longest e-mail address, in characters. */
	public static final int MAX_EMAIL_LENGTH = 254;

	/** The most endpoints a contact remembers. */
	public static final int MAX_ENDPOINTS = 16;

	/**
	 * Validates the fields.
	 *
	 * @throws io.peercollab.PayloadTooLargeException if a text field is longer than its limit (the message names
	 * the field and the limit)
	 * @throws io.peercollab.LimitExceededException if there are more than {@value #MAX_ENDPOINTS} endpoints
	 * @throws IllegalArgumentException if the e-mail address is malformed or the name does not match the certificate
	 * @throws NullPointerException if {@code name} or {@code certificate} is {@code null}
	 */
	public PeerContact {
		Checks.notNull(name, "name");
		nickname = Checks.text(nickname, "nickname", MAX_TEXT_LENGTH);
		displayName = Checks.text(displayName, "displayName", MAX_TEXT_LENGTH);
		email = Checks.text(email, "email", MAX_EMAIL_LENGTH);
		if (!email.isEmpty() && !looksLikeEmail(email)) {
			throw new IllegalArgumentException("email must look like name@domain, was '" + email + "'");
		}
		Checks.notNull(certificate, "certificate");
		if (name.isSecured() && !name.matches(certificate)) {
			throw new IllegalArgumentException("name " + name + " is not derived from the certificate's key");
		}
		endPoints = endPoints == null ? List.of() : List.copyOf(endPoints);
		Checks.count(endPoints.size(), "endPoints", MAX_ENDPOINTS);
		subscribeAllowed = subscribeAllowed == null ? SubscribeAllowed.ALLOWED : subscribeAllowed;
	}

	/**
	 * @return a contact for this certificate's owner, not followed, allowed to follow
	 */
	public static PeerContact of(PeerName name, String nickname, X509Certificate certificate) {
		return new PeerContact(name, nickname, null, null, certificate, null, false, SubscribeAllowed.ALLOWED);
	}

	/** @return a copy with another nickname */
	public PeerContact withNickname(String value) {
		return new PeerContact(name, value, displayName, email, certificate, endPoints, subscribed, subscribeAllowed);
	}

	/** @return a copy with another display name */
	public PeerContact withDisplayName(String value) {
		return new PeerContact(name, nickname, value, email, certificate, endPoints, subscribed, subscribeAllowed);
	}

	/** @return a copy with another e-mail address */
	public PeerContact withEmail(String value) {
		return new PeerContact(name, nickname, displayName, value, certificate, endPoints, subscribed, subscribeAllowed);
	}

	/** @return a copy with other endpoints */
	public PeerContact withEndPoints(List<PeerEndPoint> value) {
		return new PeerContact(name, nickname, displayName, email, certificate, value, subscribed, subscribeAllowed);
	}

	/** @return a copy that is, or is not, followed */
	public PeerContact withSubscribed(boolean value) {
		return new PeerContact(name, nickname, displayName, email, certificate, endPoints, value, subscribeAllowed);
	}

	/** @return a copy with another follow permission */
	public PeerContact withSubscribeAllowed(SubscribeAllowed value) {
		return new PeerContact(name, nickname, displayName, email, certificate, endPoints, subscribed, value);
	}

	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof PeerContact c && name.equals(c.name) && nickname.equals(c.nickname)
				&& displayName.equals(c.displayName) && email.equals(c.email)
				&& Arrays.equals(encoded(certificate), encoded(c.certificate)) && endPoints.equals(c.endPoints)
				&& subscribed == c.subscribed && subscribeAllowed == c.subscribeAllowed;
	}

	@Override
	public int hashCode() {
		return Objects.hash(name, nickname, displayName, email, endPoints, subscribed, subscribeAllowed);
	}

	@Override
	public String toString() {
		return "PeerContact[" + name + ", nickname=" + nickname + ", subscribed=" + subscribed + ", "
				+ subscribeAllowed + "]";
	}

	private static byte[] encoded(X509Certificate certificate) {
		try {
			return certificate.getEncoded();
		}
		catch (CertificateEncodingException e) {
			throw new IllegalStateException(e);
		}
	}

	/**
	 * @return whether {@code email} matches {@code [^@\s]+@[^@\s]+}: one {@code @} with something on each side, and
	 * none of the six characters of {@code \s} (space, tab, line feed, vertical tab, form feed, carriage return);
	 * checked by hand because every contact read from a store is checked, and a regex match makes a matcher each time
	 */
	private static boolean looksLikeEmail(String email) {
		int at = -1;
		for (int i = 0; i < email.length(); i++) {
			char c = email.charAt(i);
			if (c == '@') {
				if (at >= 0) {
					return false;
				}
				at = i;
			}
			else if (c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r') {
				return false;
			}
		}
		return at > 0 && at < email.length() - 1;
	}
}
