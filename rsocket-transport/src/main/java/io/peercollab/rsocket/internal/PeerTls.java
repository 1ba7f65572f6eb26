// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.Socket;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.peercollab.PeerIdentityException;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;

/**
 * TLS 1.3 with both sides presenting their identity's self-signed certificate, and trust by key pinning.
 *
 * <p>The trust managers accept any certificate that is self-signed by its own key, holds an Ed25519 or EC P-256 key
 * and proves a valid {@link PeerName}; they are not the place where the expected name is checked. A server does not know in advance who
 * may call, and a client checks the name after the handshake so that a mismatch can be reported as such, with both
 * names, instead of as an opaque handshake alert. Validity dates are not checked: the key is the trust anchor, and an
 * identity outliving its certificate's dates must not be locked out.
 */
public final class PeerTls {

	/** Only TLS 1.3: its handshake encrypts the certificates, so who talks to whom is not visible on the wire. */
	static final String PROTOCOL = "TLSv1.3";

	/**
	 * Sessions kept for resumption, per context: one, as the JDK has no "none" (0 means its default, 20,480 for a
	 * day). Connections here live long and are shared, so resuming saves little, while a cache of every peer ever
	 * met kept each one's session and certificate: a neighbour near me, verified once and let go, cost kilobytes.
	 */
	static final int SESSION_CACHE_SIZE = 1;

	private PeerTls() {
	}

	/**
	 * @return the server context: present {@code identity}, require a client certificate (public for the benchmarks'
	 * baselines, which must use the very same TLS)
	 */
	public static SslContext server(PeerIdentity identity) {
		try {
			return SslContextBuilder.forServer(identity.privateKey(), identity.certificate())
					.sslProvider(SslProvider.JDK)
					.protocols(PROTOCOL)
					.clientAuth(ClientAuth.REQUIRE)
					.trustManager(new SelfSignedTrustManager())
					.sessionCacheSize(SESSION_CACHE_SIZE)
					.build();
		}
		catch (SSLException | RuntimeException e) {
			throw new PeerIdentityException("Cannot use " + identity + " as a TLS server: " + e.getMessage(), e);
		}
	}

	/** @return the client context: present {@code identity}, accept any self-signed server for later pinning */
	public static SslContext client(PeerIdentity identity) {
		try {
			return SslContextBuilder.forClient()
					.sslProvider(SslProvider.JDK)
					.protocols(PROTOCOL)
					.keyManager(identity.privateKey(), identity.certificate())
					.trustManager(new SelfSignedTrustManager())
					// Pinning replaces host names: peers are reached by key, often at bare IP addresses.
					.endpointIdentificationAlgorithm(null)
					.sessionCacheSize(SESSION_CACHE_SIZE)
					.build();
		}
		catch (SSLException | RuntimeException e) {
			throw new PeerIdentityException("Cannot use " + identity + " as a TLS client: " + e.getMessage(), e);
		}
	}

	/**
	 * @return the name the remote end of an established session proved
	 * @throws SSLPeerUnverifiedException if it presented no certificate
	 */
	static PeerName peerName(SSLSession session) throws SSLPeerUnverifiedException {
		java.security.cert.Certificate[] chain = session.getPeerCertificates();
		if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
			throw new SSLPeerUnverifiedException("the peer presented no X.509 certificate");
		}
		return PeerName.of(cert);
	}

	/**
	 * Accepts a certificate that proves a {@link PeerName}. Extends {@link X509ExtendedTrustManager} so that the JDK
	 * does not wrap it with its own host name check.
	 */
	static final class SelfSignedTrustManager extends X509ExtendedTrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			check(chain);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			check(chain);
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			check(chain);
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			// No CA is trusted; an empty list lets a client choose its own certificate freely.
			return new X509Certificate[0];
		}

		private static void check(X509Certificate[] chain) throws CertificateException {
			if (chain == null || chain.length == 0) {
				throw new NotAPeerCertificateException("no certificate presented");
			}
			checkKeyType(chain[0].getPublicKey());
			try {
				PeerName.of(chain[0]);
			}
			catch (IllegalArgumentException e) {
				throw new NotAPeerCertificateException(e.getMessage());
			}
		}
	}

	/**
	 * Refuses every key but Ed25519 and ECDSA on P-256, the two a {@link PeerIdentity} can have: a peer with another
	 * key type (RSA, P-384, Ed448, ...) could not be reached by another PeerCollab endpoint, so it is refused in the
	 * handshake rather than admitted under a name nobody else accepts.
	 *
	 * @throws NotAPeerCertificateException naming the key type found
	 */
	static void checkKeyType(PublicKey key) throws NotAPeerCertificateException {
		if (key instanceof EdECPublicKey ed) {
			if (NamedParameterSpec.ED25519.getName().equalsIgnoreCase(ed.getParams().getName())) {
				return;
			}
			throw new NotAPeerCertificateException("its key is " + ed.getParams().getName() + "; " + KEY_TYPES);
		}
		if (key instanceof ECPublicKey ec) {
			ECParameterSpec p = ec.getParams();
			if (p.getCurve().equals(P256.getCurve()) && p.getGenerator().equals(P256.getGenerator())
					&& p.getOrder().equals(P256.getOrder()) && p.getCofactor() == P256.getCofactor()) {
				return;
			}
			throw new NotAPeerCertificateException("its key is EC on a " + p.getCurve().getField().getFieldSize()
					+ "-bit curve other than P-256; " + KEY_TYPES);
		}
		if (key != null && "Ed25519".equalsIgnoreCase(key.getAlgorithm())) {
			return; // a provider whose Ed25519 keys do not implement EdECPublicKey
		}
		throw new NotAPeerCertificateException(
				"its key is " + (key == null ? "missing" : key.getAlgorithm()) + "; " + KEY_TYPES);
	}

	private static final String KEY_TYPES = "PeerCollab accepts Ed25519 and EC P-256 (secp256r1) keys only";

	private static final ECParameterSpec P256 = p256();

	private static ECParameterSpec p256() {
		try {
			AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
			parameters.init(new ECGenParameterSpec("secp256r1"));
			return parameters.getParameterSpec(ECParameterSpec.class);
		}
		catch (GeneralSecurityException e) {
			// every Java 17 runtime has secp256r1 (SunEC): without it nothing here works
			throw new ExceptionInInitializerError(e);
		}
	}

	/** A certificate that proves no {@link PeerName}; recognised in a failed handshake's causes. */
	static final class NotAPeerCertificateException extends CertificateException {

		private static final long serialVersionUID = 1L;

		NotAPeerCertificateException(String message) {
			super("not a PeerCollab certificate: " + message);
		}
	}
}
