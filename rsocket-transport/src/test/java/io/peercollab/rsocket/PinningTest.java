// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trust by key pinning: a client reaches only the key it asked for, and a server names callers by their key.
 */
class PinningTest {

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.ED25519);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;
	private TransportBinding client;

	@AfterEach
	void stop() {
		TestPeers.dispose(client, server);
	}

	@Test
	void connectingWithTheWrongPinFailsWithIdentityMismatchNamingBothAndNeverReachesTheHandler() {
		PeerIdentity carol = TestPeers.identity("carol", KeyType.EC_P256);
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());

		StepVerifier.create(client.connect(carol.name(), server.address()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerIdentityMismatchException.class)
						.hasMessageContaining(carol.name().toString())
						.hasMessageContaining(bob.name().toString()))
				.verify(TestPeers.TIMEOUT);
		assertThat(handler.calls).isEmpty();
	}

	@Test
	void theRightKeyWithAnotherClassifierIsAMismatchToo() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PeerName sameKeyOtherClassifier = PeerName.of(bob.name().authority(), "bobby");

		StepVerifier.create(client.connect(sameKeyOtherClassifier, server.address()))
				.expectError(PeerIdentityMismatchException.class)
				.verify(TestPeers.TIMEOUT);
	}

	@Test
	void aServerWithAnUnrelatedKeyClaimingTheExpectedClassifierIsRejected() {
		PeerIdentity impostor = PeerIdentity.generate("bob", KeyType.EC_P256);
		server = TestPeers.bind(TestPeers.loopback(), impostor, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());

		StepVerifier.create(client.connect(bob.name(), server.address()))
				.expectError(PeerIdentityMismatchException.class)
				.verify(TestPeers.TIMEOUT);
		assertThat(handler.calls).isEmpty();
	}

	@Test
	void aClientWithAnUnrelatedCertificateClaimingAnotherClassifierGetsItsOwnNameNotTheOneItClaims() {
		PeerIdentity impostor = PeerIdentity.generate("alice", KeyType.ED25519);
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), impostor, new RecordingHandler());

		TestPeers.connect(client, server, bob).presence().block(TestPeers.TIMEOUT);

		PeerName seen = handler.calls.get(0).caller();
		assertThat(seen).isEqualTo(impostor.name()).isNotEqualTo(alice.name());
		assertThat(seen.classifier()).isEqualTo("alice");
		assertThat(seen.authority()).isEqualTo(PeerName.authorityOf(impostor.publicKey()))
				.isNotEqualTo(alice.name().authority());
	}

	@Test
	void aClientWithoutACertificateFailsCleanlyAndTheServerKeepsServing() throws Exception {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);

		StepVerifier.create(RawClient.connect(server.address(), null, null)
				.flatMap(raw -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
						.doFinally(s -> raw.close())))
				.expectError()
				.verify(TestPeers.TIMEOUT);
		assertThat(handler.calls).isEmpty();

		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		StepVerifier.create(TestPeers.connect(client, server, bob).presence())
				.expectNext(RecordingHandler.PRESENCE)
				.verifyComplete();
		assertThat(handler.calls).extracting(RecordingHandler.Call::caller).containsExactly(alice.name());
	}

	@Test
	void presenceIsServedOnlyAfterThePinMatched() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		PresenceInfo presence = TestPeers.connect(client, server, bob).presence().block(TestPeers.TIMEOUT);
		assertThat(presence).isEqualTo(RecordingHandler.PRESENCE);
	}

	@Test
	void aServerThatRefusesOurCertificateFailsConnectWithPeerUnreachableSayingSo() throws Exception {
		SslContext refusing = SslContextBuilder.forServer(bob.privateKey(), bob.certificate())
				.sslProvider(SslProvider.JDK).protocols("TLSv1.3").clientAuth(ClientAuth.REQUIRE)
				.trustManager(new RefusingTrustManager()).build();
		DisposableServer stranger = TcpServer.create().host("127.0.0.1").port(0)
				.secure(spec -> spec.sslContext(refusing)).bindNow();
		try {
			client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
			StepVerifier.create(client.connect(bob.name(), TcpAddress.of((InetSocketAddress) stranger.address())))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
							.hasMessageContaining(bob.name().toString())
							.satisfies(x -> assertThat(x.getMessage()).containsAnyOf("TLS handshake",
									"may not accept this endpoint's certificate")))
					.verify();
		}
		finally {
			stranger.disposeNow();
		}
	}

	/** Refuses every client certificate, as a server that does not know PeerCollab's rules would. */
	private static final class RefusingTrustManager extends X509ExtendedTrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
				throws CertificateException {
			throw new CertificateException("not trusted here");
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
				throws CertificateException {
			throw new CertificateException("not trusted here");
		}

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
			throw new CertificateException("not trusted here");
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}
	}
}
