// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;


/**
 * A BEP 44 mutable item without salt: the raw Ed25519 public key it is stored under, its sequence number, its value
 * (the bencoded {@code v}, here always a byte string) and the signature over {@code 3:seqi<seq>e1:v<v>}.
 *
 * @param publicKey the raw 32-byte Ed25519 public key
 * @param seq the sequence number
 * @param value the bencoded value, as it travels in the {@code v} field
 * @param signature the 64-byte Ed25519 signature
 */
record MutableItem(byte[] publicKey, long seq, byte[] value, byte[] signature) {

	/** The largest bencoded value BEP 44 lets a node store, in bytes. */
	public static final int MAX_VALUE_LENGTH = 1000;

	private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

	/**
	 * @throws NullPointerException if an array is {@code null}
	 */
	public MutableItem {
		Objects.requireNonNull(publicKey, "publicKey");
		Objects.requireNonNull(value, "value");
		Objects.requireNonNull(signature, "signature");
	}

	/**
	 * Signs a byte string value with the JDK's Ed25519.
	 *
	 * @param privateKey an Ed25519 private key
	 * @param publicKey its raw 32-byte public key
	 * @param seq the sequence number
	 * @param bytes the value, before bencoding
	 * @return the signed item
	 * @throws GeneralSecurityException if the key cannot sign
	 */
	public static MutableItem sign(PrivateKey privateKey, byte[] publicKey, long seq, byte[] bytes)
			throws GeneralSecurityException {
		byte[] value = bencodeBytes(bytes);
		Signature signer = Signature.getInstance("Ed25519");
		signer.initSign(privateKey);
		signer.update(signedBuffer(seq, value));
		return new MutableItem(publicKey.clone(), seq, value, signer.sign());
	}

	/** @return the current time in microseconds since the epoch: a record's sequence number, as Pkarr takes it */
	public static long nowMicros() {
		java.time.Instant now = java.time.Instant.now();
		return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
	}

	/**
	 * @return the buffer BEP 44 signs: {@code 3:seqi<seq>e1:v} followed by the bencoded value
	 */
	public static byte[] signedBuffer(long seq, byte[] bencodedValue) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(bencodedValue.length + 32);
		out.writeBytes(("3:seqi" + seq + "e1:v").getBytes(StandardCharsets.US_ASCII));
		out.writeBytes(bencodedValue);
		return out.toByteArray();
	}

	/** @return {@code <length>:<bytes>} */
	public static byte[] bencodeBytes(byte[] bytes) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 5);
		out.writeBytes((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
		out.writeBytes(bytes);
		return out.toByteArray();
	}

	/**
	 * @return the bytes of the byte string the value holds
	 * @throws IllegalArgumentException if the value is not exactly one bencoded byte string
	 */
	public byte[] valueBytes() {
		int colon = -1;
		for (int i = 0; i < value.length && i < 8; i++) {
			if (value[i] == ':') {
				colon = i;
				break;
			}
			if (value[i] < '0' || value[i] > '9') {
				throw new IllegalArgumentException("the value is not a bencoded byte string");
			}
		}
		if (colon <= 0 || (colon > 1 && value[0] == '0')) {
			throw new IllegalArgumentException("the value is not a bencoded byte string");
		}
		int length = Integer.parseInt(new String(value, 0, colon, StandardCharsets.US_ASCII));
		if (length != value.length - colon - 1) {
			throw new IllegalArgumentException("the value's byte string says " + length + " bytes but holds "
					+ (value.length - colon - 1));
		}
		return Arrays.copyOfRange(value, colon + 1, value.length);
	}

	/**
	 * @return whether the signature is the public key's over {@link #signedBuffer}, checked with the JDK's Ed25519
	 */
	public boolean verify() {
		try {
			Signature verifier = Signature.getInstance("Ed25519");
			verifier.initVerify(toJdkKey(publicKey));
			verifier.update(signedBuffer(seq, value));
			return verifier.verify(signature);
		}
		catch (GeneralSecurityException | IllegalArgumentException e) {
			return false;
		}
	}

	/**
	 * @return the raw 32-byte key of a JDK (or any X.509-encodable) Ed25519 public key
	 * @throws IllegalArgumentException if the key is not Ed25519
	 */
	public static byte[] rawKey(PublicKey key) {
		byte[] encoded = key.getEncoded();
		if (encoded == null || encoded.length != ED25519_X509_PREFIX.length + 32
				|| !Arrays.equals(encoded, 0, ED25519_X509_PREFIX.length, ED25519_X509_PREFIX, 0,
						ED25519_X509_PREFIX.length)) {
			throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
		}
		return Arrays.copyOfRange(encoded, ED25519_X509_PREFIX.length, encoded.length);
	}

	/**
	 * @return whether the key is an Ed25519 public key
	 */
	public static boolean isEd25519(PublicKey key) {
		try {
			rawKey(key);
			return true;
		}
		catch (IllegalArgumentException e) {
			return false;
		}
	}

	/**
	 * @return a JDK public key for a raw 32-byte Ed25519 key
	 * @throws GeneralSecurityException if the bytes are not a valid key
	 */
	public static PublicKey toJdkKey(byte[] raw) throws GeneralSecurityException {
		if (raw.length != 32) {
			throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, was " + raw.length);
		}
		byte[] encoded = Arrays.copyOf(ED25519_X509_PREFIX, ED25519_X509_PREFIX.length + 32);
		System.arraycopy(raw, 0, encoded, ED25519_X509_PREFIX.length, 32);
		return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
	}

	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof MutableItem m && seq == m.seq && Arrays.equals(publicKey, m.publicKey)
				&& Arrays.equals(value, m.value) && Arrays.equals(signature, m.signature);
	}

	@Override
	public int hashCode() {
		return Objects.hash(seq, Arrays.hashCode(publicKey), Arrays.hashCode(value));
	}

	@Override
	public String toString() {
		return "MutableItem[" + ZBase32.encode(publicKey) + ", seq=" + seq + ", " + value.length + " bytes]";
	}
}
