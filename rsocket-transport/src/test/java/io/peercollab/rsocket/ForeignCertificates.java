// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;

import java.security.cert.X509Certificate;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates that a PeerCollab identity can never have (RSA, EC P-384), made with Bouncy Castle the way
 * a foreign peer would make them, with a CN so that they prove a PeerName in every other respect.
 */
final class ForeignCertificates {

	private ForeignCertificates() {
	}

	/** A key pair and its self-signed certificate. */
	record Foreign(KeyPair keys, X509Certificate certificate) {
	}

	static Foreign rsa(String cn) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return selfSigned(generator.generateKeyPair(), "SHA256withRSA", cn);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	static Foreign ecP384(String cn) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp384r1"));
			return selfSigned(generator.generateKeyPair(), "SHA384withECDSA", cn);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** @return an EC P-256 certificate whose signature is made by another key than the one it holds */
	static Foreign signedByAnotherKey(String cn) {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			KeyPair holder = generator.generateKeyPair();
			KeyPair signer = generator.generateKeyPair();
			X509Certificate forged = certificate(holder, signer, "SHA256withECDSA", cn);
			return new Foreign(holder, forged);
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static Foreign selfSigned(KeyPair keys, String algorithm, String cn) throws Exception {
		return new Foreign(keys, certificate(keys, keys, algorithm, cn));
	}

	private static X509Certificate certificate(KeyPair keys, KeyPair signer, String algorithm, String cn)
			throws Exception {
		X500Name subject = new X500Name("CN=" + cn + ",O=PeerCollab");
		Instant now = Instant.now();
		var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
				Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(3650, ChronoUnit.DAYS)), subject,
				keys.getPublic());
		return new JcaX509CertificateConverter()
				.getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signer.getPrivate())));
	}
}
