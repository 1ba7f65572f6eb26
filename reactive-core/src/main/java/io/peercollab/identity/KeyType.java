// SPDX-License-Identifier: Apache-2.0
package io.peercollab.identity;

/**
 * The kind of key pair a {@link PeerIdentity} holds.
 */
public enum KeyType {
	/** ECDSA on NIST P-256 (secp256r1), signed with SHA-256. */
	EC_P256("EC", "SHA256withECDSA"),
	/** Ed25519 (RFC 8032). */
	ED25519("Ed25519", "Ed25519");

	private final String keyAlgorithm;
	private final String signatureAlgorithm;

	KeyType(String keyAlgorithm, String signatureAlgorithm) {
		this.keyAlgorithm = keyAlgorithm;
		this.signatureAlgorithm = signatureAlgorithm;
	}

	String signatureAlgorithm() {
		return signatureAlgorithm;
	}

	String keyAlgorithm() {
		return keyAlgorithm;
	}

	static KeyType of(String keyAlgorithm) {
		return switch (keyAlgorithm) {
			case "EC" -> EC_P256;
			case "Ed25519", "EdDSA" -> ED25519;
			default -> throw new IllegalArgumentException("unsupported key algorithm " + keyAlgorithm);
		};
	}
}
