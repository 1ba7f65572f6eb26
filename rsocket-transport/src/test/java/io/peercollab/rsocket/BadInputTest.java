// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.netty.buffer.Unpooled;
import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.PeerEvent;
import io.peercollab.PresenceChange;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.exceptions.CustomRSocketException;
import io.rsocket.util.ByteBufPayload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever a peer sends, a bad request fails its own stream with an error frame; the connection's other streams and
 * the server go on. Sent by {@link RawClient}, since our own client never sends such things.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

	private static final int MAX_PAYLOAD = 4096;

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.ED25519);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;

	@BeforeAll
	void start() {
		server = TestPeers.bind(TestPeers.loopback().maxPayloadSize(MAX_PAYLOAD), bob, handler);
	}

	@AfterAll
	void stop() {
		TestPeers.dispose(server);
	}

	static Stream<Arguments> badRequests() throws Exception {
		Map<String, Object> invite = validInvite();
		Map<String, Object> longMessage = new HashMap<>(invite);
		longMessage.put("message", "x".repeat(300));
		Map<String, Object> badUuid = new HashMap<>(invite);
		badUuid.put("invitationId", "not-a-uuid");
		return Stream.of(
				bad("an unknown route", 0x302, "Unknown route",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.nope", Map.of()))),
				bad("garbage CBOR", 0x302, "malformed CBOR at byte 0", rs -> rs.requestResponse(
						RawClient.payload("peercollab.v1.invite", new byte[] { (byte) 0xff, 0x1c, 0x00, 0x7f }))),
				bad("CBOR that is not a map", 0x302, "expected a CBOR map, got an integer",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.invite", new byte[] { 0x05 }))),
				bad("no metadata", 0x302, "Missing metadata",
						rs -> rs.requestResponse(RawClient.withoutMetadata(RawClient.CBOR.writeValueAsBytes(invite)))),
				bad("undecodable metadata", 0x302, "metadata", rs -> rs.requestResponse(ByteBufPayload.create(
						Unpooled.wrappedBuffer(new byte[] { (byte) 0xa0 }),
						Unpooled.wrappedBuffer(new byte[] { 0x7f, 0x00, 0x00, 0x40, 0x01 })))),
				bad("missing fields", 0x302, "missing field 'invitationId'",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.invite", Map.of("message", "hi")))),
				bad("a value over its length limit", 0x303, "message must be at most 255 characters, was 300",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.invite", longMessage))),
				bad("a malformed UUID", 0x302, "field 'invitationId': expected a UUID",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.invite", badUuid))),
				bad("the wrong interaction model", 0x302, "is request-response",
						rs -> rs.requestStream(RawClient.payload("peercollab.v1.invite", invite))),
				bad("an oversized payload", 0x303, "maxPayloadSize (" + MAX_PAYLOAD + " bytes)",
						rs -> rs.requestResponse(RawClient.payload("peercollab.v1.presence",
								Map.of("padding", new byte[MAX_PAYLOAD])))),
				bad("an oversized session frame", 0x303, "maxPayloadSize", rs -> rs.requestChannel(Flux.just(
						RawClient.payload("peercollab.v1.session", Map.of("invitationId", UUID.randomUUID().toString(),
								"sessionId", UUID.randomUUID().toString(), "applicationId",
								UUID.randomUUID().toString())),
						RawClient.withoutMetadata(RawClient.CBOR.writeValueAsBytes(
								Map.of("data", new byte[MAX_PAYLOAD + 1]))))
						.concatWith(Flux.never()))));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badRequests")
	void aBadRequestFailsOnlyItsOwnStreamAndTheServerKeepsServing(String what, int code, String message,
			BadRequest request) throws Exception {
		Sinks.Many<PeerEvent> live = Sinks.many().multicast().onBackpressureBuffer();
		handler.events = after -> live.asFlux();
		List<Diagnostic> reported = new CopyOnWriteArrayList<>();
		Disposable reports = server.diagnostics().subscribe(reported::add);
		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			Flux<Map<String, Object>> openStream = raw.rsocket.requestStream(
					RawClient.payload("peercollab.v1.events", Map.of("afterVersion", -1))).map(RawClient::map);

			StepVerifier.create(openStream)
					.then(() -> StepVerifier.create(send(request, raw.rsocket))
							.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CustomRSocketException.class)
									.hasMessageContaining(message)
									.satisfies(x -> assertThat(((CustomRSocketException) x).errorCode())
											.isEqualTo(code)))
							.verify(TestPeers.TIMEOUT))
					.then(() -> live.tryEmitNext(new PresenceChange(ChangeType.UPDATED, RecordingHandler.PRESENCE,
							42)))
					.assertNext(event -> assertThat(event).containsEntry("kind", "presence")
							.containsEntry("type", "UPDATED").containsEntry("version", 42))
					.thenCancel()
					.verify(TestPeers.TIMEOUT);

			StepVerifier.create(raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
					.map(RawClient::map))
					.assertNext(p -> assertThat(p).containsEntry("status", "BUSY"))
					.verifyComplete();
		}
		RawClient other = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT);
		try (other) {
			StepVerifier.create(other.rsocket.requestResponse(RawClient.payload("peercollab.v1.card", Map.of()))
					.map(RawClient::map))
					.assertNext(c -> assertThat(c).containsEntry("card", RecordingHandler.CARD))
					.verifyComplete();
		}
		// reported once, as the request refused, naming who sent it and why; the good requests around it are not
		Mono.delay(Duration.ofMillis(300)).block();
		reports.dispose();
		assertThat(reported).singleElement().satisfies(d -> {
			assertThat(d.kind()).isEqualTo(Diagnostic.Kind.REJECTED_REQUEST);
			assertThat(d.peer()).isEqualTo(alice.name());
			assertThat(((TcpAddress) d.address()).socketAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
			assertThat(d.cause()).hasMessageContaining(message);
		});
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "interval {0} ms, max lifetime {1} ms")
	@org.junit.jupiter.params.provider.CsvSource({ "10, 1000", "1000, 3600000", "2147483647, 300000" })
	void aSetupWithAnAbusiveKeepAliveIsRefusedAndSaysWhy(long intervalMs, long lifetimeMs) throws Exception {
		RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate(),
				Duration.ofMillis(intervalMs), Duration.ofMillis(lifetimeMs)).block(TestPeers.TIMEOUT);
		try (raw) {
			StepVerifier.create(raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of())))
					.expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("keepalive interval must be between "
							+ "100 ms and 60000 ms and max lifetime at most 300000 ms").hasMessageContaining(intervalMs + " ms and "
							+ lifetimeMs + " ms"))
					.verify(TestPeers.TIMEOUT);
		}
		// the server goes on serving well-behaved clients
		try (RawClient other = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			StepVerifier.create(other.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
					.map(RawClient::map))
					.assertNext(p -> assertThat(p).containsEntry("status", "BUSY"))
					.verifyComplete();
		}
	}

	private static Publisher<?> send(BadRequest request, RSocket rsocket) {
		try {
			return request.send(rsocket);
		}
		catch (Exception e) {
			return Mono.error(e);
		}
	}

	private static Map<String, Object> validInvite() {
		Map<String, Object> app = Map.of("id", UUID.randomUUID().toString(), "description", "Whiteboard", "scope",
				"NEAR_ME");
		Map<String, Object> invite = new HashMap<>();
		invite.put("invitationId", UUID.randomUUID().toString());
		invite.put("sessionId", UUID.randomUUID().toString());
		invite.put("senderNickname", "Alice");
		invite.put("application", app);
		invite.put("message", "join me?");
		invite.put("data", new byte[] { 1, 2 });
		invite.put("expiryMillis", 30_000);
		return invite;
	}

	private static Arguments bad(String what, int code, String message, BadRequest request) {
		return Arguments.of(what, code, message, request);
	}

	/** Sends one bad request on a raw connection. */
	@FunctionalInterface
	interface BadRequest {
		Publisher<Payload> send(RSocket rsocket) throws Exception;
	}

}
