// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Objects;

import io.peercollab.MessageText;
import org.bouncycastle.util.encoders.Base32;
import org.jspecify.annotations.Nullable;

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
 * characters, no white space (no-break spaces included), control characters or unpaired surrogates. A classifier is
 * normalised to Unicode NFC when a name is made (so {@code "Cafe\u0301"} and {@code "Caf\u00e9"} make the same name)
 * and then compared exactly, letter case included ({@code "alice"} and {@code "Alice"} are two names). Two names are
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
		Objects.requireNonNull(classifier, "classifier");
		// one name whichever way the classifier's accents were typed or stored
		classifier = java.text.Normalizer.normalize(classifier, java.text.Normalizer.Form.NFC);
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
	public boolean equals(@Nullable Object o) {
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

	/** The longest DNS host name (RFC 1035, without the root's trailing dot). */
	public static final int MAX_HOST_NAME_LENGTH = 253;

	/** The prefix of the first label of a classifier written in base32 in a host name (an R-LDH label, RFC 5890). */
	private static final String ENCODED_PREFIX = "pc--";

	private static final int MAX_LABEL = 63;

	/**
	 * This name as a DNS host name, {@code <classifier labels>.<authority>}, which {@link #fromHostName(String)} reads
	 * back whatever case a DNS server returns it in (as Windows' {@code PeerNameToPeerHostName} does for its names).
	 * The authority already is a DNS label. A classifier made of lowercase letters, digits and hyphens, in dot-separated
	 * labels of 1 to 63 characters that neither start nor end with a hyphen nor hold {@code --} at their third
	 * character, is written as it is ({@code laptop}, {@code home.laptop}); any other (upper case, other characters)
	 * is written as {@code pc--} and the lowercase base32 (RFC 4648, no padding) of its UTF-8 bytes, in labels of at most
	 * 63 characters.
	 *
	 * @return the host name, at most {@value #MAX_HOST_NAME_LENGTH} characters
	 * @throws IllegalArgumentException if the host name would be longer: a classifier written as it is fits up to 199
	 * characters (all of them), one written in base32 up to about 120 bytes of UTF-8
	 */
	public String toHostName() {
		String labels;
		if (isPlainHostLabels(classifier)) {
			labels = classifier;
		}
		else {
			String encoded = ENCODED_PREFIX + Base32.toBase32String(classifier.getBytes(StandardCharsets.UTF_8))
					.replace("=", "").toLowerCase(Locale.ROOT);
			StringBuilder b = new StringBuilder(encoded.length() + encoded.length() / MAX_LABEL + 1);
			for (int i = 0; i < encoded.length(); i += MAX_LABEL) {
				b.append(i == 0 ? "" : ".").append(encoded, i, Math.min(encoded.length(), i + MAX_LABEL));
			}
			labels = b.toString();
		}
		String host = labels + "." + authority;
		if (host.length() > MAX_HOST_NAME_LENGTH) {
			throw new IllegalArgumentException("PeerName " + this + " has no host name: it would be " + host.length()
					+ " characters, over the limit of " + MAX_HOST_NAME_LENGTH);
		}
		return host;
	}

	/**
	 * Reads a host name that {@link #toHostName()} wrote, in any letter case, with or without the root's trailing dot.
	 *
	 * @return the name
	 * @throws IllegalArgumentException if {@code hostName} is not one: the message says which part is wrong
	 */
	public static PeerName fromHostName(String hostName) {
		Objects.requireNonNull(hostName, "hostName");
		String host = hostName.endsWith(".") ? hostName.substring(0, hostName.length() - 1) : hostName;
		if (host.length() > MAX_HOST_NAME_LENGTH) {
			throw new IllegalArgumentException("host name must be at most " + MAX_HOST_NAME_LENGTH
					+ " characters, was " + host.length());
		}
		host = host.toLowerCase(Locale.ROOT);
		int dot = host.lastIndexOf('.');
		if (dot <= 0) {
			throw new IllegalArgumentException("host name must be '<classifier labels>.<authority>', found no '.' in '"
					+ MessageText.quote(hostName) + "'");
		}
		String authority = host.substring(dot + 1);
		String labels = host.substring(0, dot);
		if (!labels.startsWith(ENCODED_PREFIX)) {
			if (!isPlainHostLabels(labels)) {
				throw new IllegalArgumentException("host name labels '" + MessageText.quote(labels) + "' are neither "
						+ "plain (lowercase letters, digits, hyphens) nor base32 after '" + ENCODED_PREFIX + "'");
			}
			return of(authority, labels);
		}
		String encoded = labels.substring(ENCODED_PREFIX.length()).replace(".", "");
		for (int i = 0; i < encoded.length(); i++) {
			char c = encoded.charAt(i);
			if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
				throw new IllegalArgumentException("host name's base32 classifier must use only a-z and 2-7, found '"
						+ MessageText.quote(String.valueOf(c)) + "'");
			}
		}
		byte[] utf8;
		try {
			String padded = encoded.toUpperCase(Locale.ROOT) + "=".repeat((8 - encoded.length() % 8) % 8);
			utf8 = Base32.decode(padded);
		}
		catch (RuntimeException e) {
			throw new IllegalArgumentException("host name's base32 classifier is not base32 of whole bytes ("
					+ encoded.length() + " characters)", e);
		}
		String classifier;
		try {
			classifier = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8)).toString();
		}
		catch (CharacterCodingException e) {
			throw new IllegalArgumentException("host name's base32 classifier is not UTF-8", e);
		}
		return of(authority, classifier);
	}

	/** @return whether {@code text} is dot-separated LDH labels that DNS keeps as they are (lowercase, no R-LDH) */
	private static boolean isPlainHostLabels(String text) {
		int start = 0;
		while (true) {
			int end = text.indexOf('.', start);
			String label = end < 0 ? text.substring(start) : text.substring(start, end);
			if (label.isEmpty() || label.length() > MAX_LABEL || label.startsWith("-") || label.endsWith("-")
					|| (label.length() >= 4 && label.startsWith("--", 2))) {
				return false;
			}
			for (int i = 0; i < label.length(); i++) {
				char c = label.charAt(i);
				if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
					return false;
				}
			}
			if (end < 0) {
				return true;
			}
			start = end + 1;
		}
	}

	private static void checkClassifier(String classifier) {
		Objects.requireNonNull(classifier, "classifier");
		if (classifier.isEmpty() || classifier.length() > MAX_CLASSIFIER_LENGTH) {
			throw new IllegalArgumentException("PeerName classifier must be 1 to " + MAX_CLASSIFIER_LENGTH
					+ " characters, was " + classifier.length());
		}
		for (int i = 0; i < classifier.length(); i++) {
			char c = classifier.charAt(i);
			if (c > ' ' && c < 0x7F) {
				continue; // printable ASCII, the usual case: none of the checks below can refuse it
			}
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
