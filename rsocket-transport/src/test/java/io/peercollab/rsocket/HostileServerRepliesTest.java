// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

import io.netty.buffer.ByteBufUtil;
import io.peercollab.InvalidRequestException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.PeerTls;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketServer;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.tcp.TcpServer;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile server: a stock RSocket server behind a valid PeerCollab certificate that answers each route with
 * malformed data. Our client fails that one request with {@link InvalidRequestException} whose message names the
 * route, the server and the field, in the protocol's words, and the connection goes on serving the next request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileServerRepliesTest {

	private final PeerIdentity mallory = TestPeers.identity("mallory", KeyType.ED25519);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	/** What the hostile server answers on each route: one payload's data per element. */
	private final Map<String, List<byte[]>> replies = new ConcurrentHashMap<>();
	private CloseableChannel hostile;
	private TransportBinding client;
	private PeerConnection connection;

	@BeforeAll
	void start() {
		RSocket responder = new RSocket() {
			@Override
			public Mono<Payload> requestResponse(Payload payload) {
				return Flux.fromIterable(answer(payload)).next();
			}

			@Override
			public Flux<Payload> requestStream(Payload payload) {
				return Flux.fromIterable(answer(payload));
			}
		};
		hostile = RSocketServer.create(SocketAcceptor.with(responder))
				.bind(TcpServerTransport.create(TcpServer.create().host("127.0.0.1").port(0)
						.secure(spec -> spec.sslContext(PeerTls.server(mallory)))))
				.block(TestPeers.TIMEOUT);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		replies.put("peercollab.v1.hello", List.of(RawClient.cbor(Map.of("maxPayloadSize", 131072,
				"maxInboundStreamsPerConnection", 256))));
		connection = client.connect(mallory.name(), TcpAddress.of(hostile.address())).block(TestPeers.TIMEOUT);
	}

	@AfterAll
	void stop() {
		TestPeers.dispose(client);
		hostile.dispose();
	}

	static Stream<Arguments> hostileReplies() {
		String app = UUID.randomUUID().toString();
		Map<String, Object> presence = Map.of("status", "ONLINE", "text", "");
		return Stream.of(
				reply("presence with a number for its status", "peercollab.v1.presence",
						RawClient.cbor(Map.of("status", 5)), RawClient.cbor(presence), PeerConnection::presence,
						"field 'status': expected a text string, got an integer"),
				reply("a card that is an array", "peercollab.v1.card", hex("8101"),
						RawClient.cbor(Map.of("card", "<card/>")), PeerConnection::card, "expected a CBOR map, got an array"),
				reply("an invitation answer of an unknown status", "peercollab.v1.invite",
						RawClient.cbor(Map.of("status", "MAYBE")), RawClient.cbor(Map.of("status", "DECLINED")),
						c -> c.invite(new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Alice",
								new PeerApplication(UUID.fromString(app), "", null, PeerScope.ALL, null, null), "",
								null, Duration.ofSeconds(30))),
						"field 'status': expected one of ACCEPTED, DECLINED, EXPIRED, got 'MAYBE'"),
				reply("an event whose version is a float", "peercollab.v1.events",
						RawClient.cbor(Map.of("kind", "synced", "version", 1.8e15)),
						RawClient.cbor(Map.of("kind", "synced", "version", 1_800_000_000_000_001L)),
						c -> c.events(-1).take(1),
						"field 'version': expected an integer, got a floating-point number"),
				reply("an object without its data", "peercollab.v1.objects",
						RawClient.cbor(Map.of("id", app, "scope", "ALL")),
						RawClient.cbor(Map.of("id", app, "scope", "ALL", "data", new byte[] { 1 })), PeerConnection::objects,
						"missing field 'data'"),
				reply("an application cut short", "peercollab.v1.applications", hex("a16269646a6162"),
						RawClient.cbor(Map.of("id", app, "scope", "ALL")), PeerConnection::applications,
						"malformed CBOR at byte 4: a text string of 10 bytes runs past the end of the data "
								+ "(7 bytes)"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileReplies")
	void aMalformedReplyFailsOnlyItsRequestWithTheFieldNamed(String what, String route, byte[] bad, byte[] good,
			Function<PeerConnection, Publisher<?>> call, String detail) {
		replies.put(route, List.of(bad));
		StepVerifier.create(call.apply(connection))
				.expectErrorSatisfies(e -> {
					assertThat(e).isInstanceOf(InvalidRequestException.class);
					assertThat(e.getMessage())
							.isEqualTo("Invalid " + route + " response from " + mallory.name() + ": " + detail);
					assertThat(e.getMessage()).doesNotContain(MalformedDataTest.INTERNALS);
				})
				.verify(TestPeers.TIMEOUT);

		replies.put(route, List.of(good));
		StepVerifier.create(Flux.from(call.apply(connection)))
				.expectNextCount(1)
				.verifyComplete();
		assertThat(connection.isDisposed()).isFalse();
	}

	private List<Payload> answer(Payload request) {
		try {
			String metadata = new String(ByteBufUtil.getBytes(request.sliceMetadata()), StandardCharsets.ISO_8859_1);
			String route = metadata.substring(metadata.indexOf("peercollab."));
			return replies.getOrDefault(route, List.of()).stream().map(DefaultPayload::create).toList();
		}
		finally {
			request.release();
		}
	}

	private static Arguments reply(String what, String route, byte[] bad, byte[] good,
			Function<PeerConnection, Publisher<?>> call, String detail) {
		return Arguments.of(what, route, bad, good, call, detail);
	}

	private static byte[] hex(String hex) {
		return HexFormat.of().parseHex(hex);
	}
}
