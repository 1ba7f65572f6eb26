package io.peercollab.identity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Objects;

import io.peercollab.MessageText;
import org.bouncycastle.util.encoders.Base32;

/**
 * The name of a peer: {@code authority.classifier}.
 *
 * <p>A <em>secured</em> name's authority is derived from the peer's public key, so nobody can claim it without the
 * private key: it is the SHA-256 digest of the certificate's {@code SubjectPublicKeyInfo} (DER), written in base32
 * (RFC 4648 alphabet, lower case, no padding). That is 52 characters of {@code a-z} and {@code 2-7}: a valid DNS label
 * (at most 63 characters, no upper case, no hyphen at either end), so a name can travel in DNS-SD records unchanged.
 * An <em>unsecured</em> name has authority {@code 0} and proves nothing.
 *
 * <p>The classifier is free text chosen by the peer ("alice", "laptop"): 1 to {@value #MAX_CLASSIFIER_LENGTH}
 * characters, no white space (no-break spaces included), control characters or unpaired surrogates. Two names are
 * equal when authority and classifier are equal; names order by their text.
 *
 * <pre>{@code
 * PeerName name = PeerName.parse("mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpjqwcylbmfqq.alice");
 * boolean proven = name.matches(certificateFromHandshake);
 * }</pre>
 */
public final class PeerName implements Comparable<PeerName> {

	/** The authority of an unsecured name. */
	public static final String UNSECURED_AUTHORITY = "0";

	/** The longest classifier, in characters. */
	public static final int MAX_CLASSIFIER_LENGTH = 149;

	/** The length of a secured authority, in characters. */
	public static final int SECURED_AUTHORITY_LENGTH = 52;


	private final String authority;
	private final String classifier;

	private PeerName(String authority, String classifier) {
		this.authority = authority;
		this.classifier = classifier;
	}

	/**
	 * Parses {@code authority.classifier}.
	 *
	 * @throws IllegalArgumentException if the text is not a valid name; the message says which part is wrong
	 */
	public static PeerName parse(String text) {
		Objects.requireNonNull(text, "text");
		int dot = text.indexOf('.');
		if (dot < 0) {
			throw new IllegalArgumentException(
					"PeerName must be 'authority.classifier', found no '.' in '" + MessageText.quote(text) + "'");
		}
		return of(text.substring(0, dot), text.substring(dot + 1));
	}

	/**
	 * @return the name with this authority and classifier
	 * @throws IllegalArgumentException if either part is invalid
	 */
	public static PeerName of(String authority, String classifier) {
		Objects.requireNonNull(authority, "authority");
		checkClassifier(classifier);
		if (!authority.equals(UNSECURED_AUTHORITY)) {
			if (authority.length() != SECURED_AUTHORITY_LENGTH) {
				throw new IllegalArgumentException("PeerName authority must be '0' or " + SECURED_AUTHORITY_LENGTH
						+ " base32 characters, was " + authority.length() + " characters");
			}
			for (int i = 0; i < authority.length(); i++) {
				char c = authority.charAt(i);
				if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
					throw new IllegalArgumentException(
							"PeerName authority must use only a-z and 2-7, found '" + c + "' at " + i);
				}
			}
		}
		return new PeerName(authority, classifier);
	}

	/** @return the secured name for this key and classifier */
	public static PeerName secured(PublicKey key, String classifier) {
		return of(authorityOf(key), classifier);
	}

	/** @return the secured name for the key of this certificate and this classifier */
	public static PeerName secured(X509Certificate certificate, String classifier) {
		return secured(certificate.getPublicKey(), classifier);
	}

	/**
	 * Reads the name a self-signed PeerCollab certificate proves: the authority derived from its key, and the
	 * classifier from its subject's common name, which the key's own signature binds to it.
	 *
	 * @throws IllegalArgumentException if the certificate is not self-signed by its own key or has no single common
	 * name that is a valid classifier
	 */
	public static PeerName of(X509Certificate certificate) {
		Objects.requireNonNull(certificate, "certificate");
		try {
			certificate.verify(certificate.getPublicKey());
		}
		catch (java.security.GeneralSecurityException e) {
			throw new IllegalArgumentException("certificate is not self-signed by its own key: " + e.getMessage(), e);
		}
		org.bouncycastle.asn1.x500.X500Name subject = org.bouncycastle.asn1.x500.X500Name
				.getInstance(certificate.getSubjectX500Principal().getEncoded());
		var cns = subject.getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
		if (cns.length != 1 || cns[0].isMultiValued()) {
			throw new IllegalArgumentException("certificate subject must have exactly one common name (the classifier)");
		}
		// The raw string, not IETFUtils.valueToString: that one escapes ',', '+', '=' and more for RFC 4514 text.
		if (!(cns[0].getFirst().getValue() instanceof org.bouncycastle.asn1.ASN1String cn)) {
			throw new IllegalArgumentException("certificate common name is not a string");
		}
		return secured(certificate, cn.getString());
	}

	/** @return an unsecured name, {@code 0.classifier} */
	public static PeerName unsecured(String classifier) {
		return of(UNSECURED_AUTHORITY, classifier);
	}

	/**
	 * @return the secured authority of this key: base32 of SHA-256 of its {@code SubjectPublicKeyInfo} encoding
	 */
	public static String authorityOf(PublicKey key) {
		Objects.requireNonNull(key, "key");
		byte[] spki = key.getEncoded();
		if (spki == null || !"X.509".equals(key.getFormat())) {
			throw new IllegalArgumentException("key must have an X.509 SubjectPublicKeyInfo encoding");
		}
		try {
			String padded = Base32.toBase32String(MessageDigest.getInstance("SHA-256").digest(spki));
			// RFC 4648 base 32 of 32 bytes: 52 characters and 4 of padding, dropped; lower case for a DNS label
			return padded.substring(0, padded.indexOf('=')).toLowerCase(Locale.ROOT);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", e);
		}
	}

	/** @return the authority: 52 base32 characters, or {@code 0} */
	public String authority() {
		return authority;
	}

	/** @return the classifier */
	public String classifier() {
		return classifier;
	}

	/** @return whether the authority is derived from a key */
	public boolean isSecured() {
		return !authority.equals(UNSECURED_AUTHORITY);
	}

	/**
	 * @return whether this is a secured name whose authority is derived from the certificate's public key; an
	 * unsecured name matches no certificate
	 */
	public boolean matches(X509Certificate certificate) {
		return certificate != null && matches(certificate.getPublicKey());
	}

	/**
	 * @return whether this is a secured name whose authority is derived from this public key; a key without an
	 * X.509 encoding matches no name
	 */
	public boolean matches(PublicKey key) {
		if (key == null || !isSecured()) {
			return false;
		}
		try {
			return authority.equals(authorityOf(key));
		}
		catch (IllegalArgumentException e) {
			// A yes/no question about a key nobody can name gets a no, not an exception in the caller's handshake.
			return false;
		}
	}

	@Override
	public int compareTo(PeerName o) {
		int c = authority.compareTo(o.authority);
		return c != 0 ? c : classifier.compareTo(o.classifier);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof PeerName other && authority.equals(other.authority) && classifier.equals(other.classifier);
	}

	@Override
	public int hashCode() {
		return authority.hashCode() * 31 + classifier.hashCode();
	}

	/** @return {@code authority.classifier}, which {@link #parse(String)} reads back */
	@Override
	public String toString() {
		return authority + "." + classifier;
	}

	private static void checkClassifier(String classifier) {
		Objects.requireNonNull(classifier, "classifier");
		if (classifier.isEmpty() || classifier.length() > MAX_CLASSIFIER_LENGTH) {
			throw new IllegalArgumentException("PeerName classifier must be 1 to " + MAX_CLASSIFIER_LENGTH
					+ " characters, was " + classifier.length());
		}
		for (int i = 0; i < classifier.length(); i++) {
			char c = classifier.charAt(i);
			// isSpaceChar as well: isWhitespace leaves out the no-break spaces, which look like a space to a reader.
			if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
				throw new IllegalArgumentException(String.format(Locale.ROOT,
						"PeerName classifier must not contain white space or control characters, found U+%04X at %d",
						(int) c, i));
			}
			if (Character.isSurrogate(c)) {
				boolean paired = Character.isHighSurrogate(c) && i + 1 < classifier.length()
						&& Character.isLowSurrogate(classifier.charAt(i + 1));
				if (!paired) {
					// It cannot be written as UTF-8, so the name would not survive a certificate, a card or DNS.
					throw new IllegalArgumentException(String.format(Locale.ROOT,
							"PeerName classifier must not contain an unpaired surrogate, found U+%04X at %d", (int) c,
							i));
				}
				i++;
			}
		}
	}
}
