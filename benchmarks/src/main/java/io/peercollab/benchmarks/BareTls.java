package io.peercollab.benchmarks;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;

/**
 * The TLS contexts of the baselines, built exactly as the library builds its own ({@code PeerTls} in
 * {@code io.peercollab.rsocket.internal}, which is package-private and so not reachable from here): JDK provider,
 * TLS 1.3 only, the identity's self-signed certificate on both sides, {@code ClientAuth.REQUIRE}, a trust manager that
 * accepts a certificate proving a {@link PeerName}, no host name check. A baseline thus pays the same handshake as
 * the library; what it skips is everything the library does on top.
 */
public final class BareTls {

	private BareTls() {
	}

	/** @return a server context presenting {@code identity} and requiring a client certificate */
	public static SslContext server(PeerIdentity identity) {
		try {
			return SslContextBuilder.forServer(identity.privateKey(), identity.certificate())
					.sslProvider(SslProvider.JDK)
					.protocols("TLSv1.3")
					.clientAuth(ClientAuth.REQUIRE)
					.trustManager(new PeerNameTrustManager())
					.build();
		}
		catch (SSLException e) {
			throw new IllegalStateException(e);
		}
	}

	/** @return a client context presenting {@code identity}, accepting any certificate that proves a name */
	public static SslContext client(PeerIdentity identity) {
		try {
			return SslContextBuilder.forClient()
					.sslProvider(SslProvider.JDK)
					.protocols("TLSv1.3")
					.keyManager(identity.privateKey(), identity.certificate())
					.trustManager(new PeerNameTrustManager())
					.endpointIdentificationAlgorithm(null)
					.build();
		}
		catch (SSLException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The library's trust rule: the first certificate must prove a {@link PeerName}. */
	private static final class PeerNameTrustManager extends X509ExtendedTrustManager {

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
			return new X509Certificate[0];
		}

		private static void check(X509Certificate[] chain) throws CertificateException {
			if (chain == null || chain.length == 0) {
				throw new CertificateException("no certificate presented");
			}
			try {
				PeerName.of(chain[0]);
			}
			catch (IllegalArgumentException e) {
				throw new CertificateException(e.getMessage(), e);
			}
		}
	}
}
