// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.util.Map;
import java.util.stream.Stream;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.ForeignCertificates.Foreign;
import io.peercollab.spi.TransportBinding;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only Ed25519 and EC P-256 keys are accepted, in the TLS handshake, both ways: a client with an RSA or P-384
 * certificate never reaches RSocket (and the server goes on serving others), and our client refuses a server that
 * presents one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyTypeTest {

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;

	@BeforeAll
	void start() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
	}

	@AfterAll
	void stop() {
		TestPeers.dispose(server);
	}

	static Stream<Arguments> foreignKeys() {
		return Stream.of(Arguments.of("RSA 2048", ForeignCertificates.rsa("mallory"), "its key is RSA"),
				Arguments.of("EC P-384", ForeignCertificates.ecP384("mallory"),
						"its key is EC on a 384-bit curve other than P-256"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("foreignKeys")
	void aClientWithAnotherKeyTypeIsRefusedInTheHandshake(String type, Foreign foreign, String reason) {
		// it proves a PeerName in every other respect: only the key type is wrong
		assertThat(PeerName.of(foreign.certificate()).classifier()).isEqualTo("mallory");
		handler.calls.clear();

		StepVerifier.create(RawClient.connect(server.address(), foreign.keys().getPrivate(), foreign.certificate())
				.flatMap(raw -> raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
						.doFinally(s -> raw.close())))
				.expectError()
				.verify(TestPeers.TIMEOUT);
		assertThat(handler.calls).isEmpty();

		try (RawClient friend = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			StepVerifier.create(friend.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
					.map(RawClient::map))
					.assertNext(p -> assertThat(p).containsEntry("status", "BUSY"))
					.verifyComplete();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("foreignKeys")
	void aServerWithAnotherKeyTypeIsRefusedByOurClient(String type, Foreign foreign, String reason) throws Exception {
		SslContext tls = SslContextBuilder.forServer(foreign.keys().getPrivate(), foreign.certificate())
				.sslProvider(SslProvider.JDK)
				.protocols("TLSv1.3")
				.clientAuth(ClientAuth.OPTIONAL)
				.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE)
				.build();
		CloseableChannel foreignServer = RSocketServer.create(SocketAcceptor.with(new RSocket() {
		})).bind(TcpServerTransport.create(TcpServer.create().host("127.0.0.1").port(0)
				.secure(spec -> spec.sslContext(tls)))).block(TestPeers.TIMEOUT);
		TransportBinding client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		try {
			StepVerifier.create(Mono.defer(() -> client.connect(PeerName.of(foreign.certificate()),
					TcpAddress.of(foreignServer.address()))))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerIdentityMismatchException.class)
							.hasMessageContaining(reason)
							.hasMessageContaining("PeerCollab accepts Ed25519 and EC P-256 (secp256r1) keys only"))
					.verify(TestPeers.TIMEOUT);
		}
		finally {
			TestPeers.dispose(client);
			foreignServer.dispose();
		}
	}
}
