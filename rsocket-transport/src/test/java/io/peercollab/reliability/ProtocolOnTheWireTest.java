// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.ssl.SslContext;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RawClient;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.exceptions.ConnectionErrorException;
import io.rsocket.transport.netty.client.TcpClientTransport;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behaviour PROTOCOL.md promises to a foreign peer, seen from a stock RSocket client against a real endpoint.
 *
 * <p>What a client sees on the wire when the server it follows signs out (sections 1 and 5.7): on the {@code events} stream, a {@code REMOVED} event for everything it could see, at one new version; then the
 * server's one request, {@code peercollab.v1.hello} request-response with empty data; then, once answered, the
 * connection closes with ERROR {@code CONNECTION_ERROR} (0x101) "Disposed" on stream 0, which fails the open stream.
 */
class ProtocolOnTheWireTest {

	@Test
	void anInvitationIntoAnUnregisteredApplicationIsDeclinedWithAMessage() {
		try (Endpoints endpoints = new Endpoints()) {
			PeerCollaboration bob = endpoints.start("bob");
			PeerIdentity carol = Endpoints.identity("carol");
			Map<String, Object> invite = Map.of("invitationId", java.util.UUID.randomUUID().toString(),
					"sessionId", java.util.UUID.randomUUID().toString(),
					"application", Map.of("id", java.util.UUID.randomUUID().toString(), "scope", "ALL"),
					"expiryMillis", 30_000);
			try (RawClient raw = RawClient.connect(bob.endPoints().get(0).address(), carol.privateKey(),
					carol.certificate()).block(Endpoints.WAIT)) {
				assertThat(raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.invite", invite))
						.map(RawClient::map).block(Endpoints.WAIT))
						.containsEntry("status", "DECLINED")
						.containsEntry("message", "application not registered here");
			}
		}
	}

	@Test
	void aFollowerSeesRemovedEventsThenOneHelloRequestThenTheConnectionError() throws Exception {
		try (Endpoints endpoints = new Endpoints()) {
			PeerCollaboration bob = endpoints.start("bob");
			PeerIdentity carol = Endpoints.identity("carol");
			List<String> seen = new CopyOnWriteArrayList<>();
			RSocket responder = new RSocket() {
				@Override
				public Mono<Payload> requestResponse(Payload payload) {
					try {
						String metadata = new String(ByteBufUtil.getBytes(payload.sliceMetadata()),
								StandardCharsets.ISO_8859_1);
						seen.add("request " + metadata.substring(metadata.indexOf("peercollab.")) + ", "
								+ payload.data().readableBytes() + " bytes of data");
					}
					finally {
						payload.release();
					}
					// what a client without a responder answers: an error, as good a proof of reading
					return Mono.error(new UnsupportedOperationException("no responder"));
				}
			};
			SslContext tls = RawClient.tls(carol.privateKey(), carol.certificate(),
					new java.util.concurrent.atomic.AtomicReference<>());
			var address = bob.endPoints().get(0).tcpAddress();
			RSocket rsocket = RSocketConnector.create()
					.acceptor(SocketAcceptor.with(responder))
					.dataMimeType("application/cbor")
					.metadataMimeType("message/x.rsocket.composite-metadata.v0")
					.connect(TcpClientTransport.create(TcpClient.newConnection().host(address.getHostString())
							.port(address.getPort()).secure(spec -> spec.sslContext(tls))))
					.block(Endpoints.WAIT);
			try {
				List<Throwable> ended = new CopyOnWriteArrayList<>();
				rsocket.requestStream(RawClient.payload("peercollab.v1.events", Map.of("afterVersion", -1)))
						.map(RawClient::map)
						.subscribe(e -> seen.add("event " + e.get("kind") + " " + e.getOrDefault("type", "")),
								e -> {
									// recorded before the test is told the stream ended, which it then reads
									seen.add("error " + e.getClass().getSimpleName() + " " + e.getMessage());
									ended.add(e);
								});
				Endpoints.await(Endpoints.WAIT, "the synced event", () -> seen.contains("event synced "));
				int before = seen.size();

				bob.signOut(PeerScope.ALL).block(Endpoints.WAIT);
				Endpoints.await(Endpoints.WAIT, "the end of the events stream", () -> !ended.isEmpty());

				assertThat(List.copyOf(seen).subList(before, seen.size())).containsExactly(
						"event presence REMOVED",
						"event application REMOVED",
						"request peercollab.v1.hello, 0 bytes of data",
						"error ConnectionErrorException Disposed");
				assertThat(ended.get(0)).isInstanceOf(ConnectionErrorException.class);
				assertThat(((ConnectionErrorException) ended.get(0)).errorCode()).isEqualTo(0x101);
			}
			finally {
				rsocket.dispose();
			}
		}
	}
}
