// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import io.peercollab.ChangeType;
import io.peercollab.PeerEvent;
import io.peercollab.PresenceChange;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.TransportBinding;
import io.rsocket.Payload;
import io.rsocket.exceptions.CustomRSocketException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Every kind of malformed request data, sent over a real TLS connection by {@link RawClient}, fails its own stream
 * with {@code INVALID_REQUEST} (a field over its length limit with {@code PAYLOAD_TOO_LARGE}) and exactly the message
 * PROTOCOL.md section 4.2 promises: the field, what was expected,
 * what came; never a decoder's internals or a Java type. The connection's other stream (a live {@code events}
 * subscription) and its next request go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class MalformedDataTest {

	/** Words of Java and of Jackson that must never reach a peer (also checked by the fuzz test). */
	public static final List<String> INTERNALS = List.of("java.", "Coercion", "Jackson", "jackson", "Cannot deserialize",
			"Cannot coerce", "Exception", "token", "[Source", "com.fasterxml", "Long", "Integer", "String value",
			"byte[]", "UUID value", "MismatchedInput");

	private static final String INVITE = "peercollab.v1.invite";
	private static final String EVENTS = "peercollab.v1.events";
	private static final String SESSION = "peercollab.v1.session";
	private static final Object ABSENT = new Object();

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

	static Stream<Arguments> malformed() {
		String invalid = "Invalid " + INVITE + " request: ";
		return Stream.of(
				// a wrong type for each kind of field
				bad("text where an integer is expected", INVITE, invite("expiryMillis", "30000"),
						invalid + "field 'expiryMillis': expected an integer, got a text string"),
				bad("a float where an integer is expected", INVITE, invite("expiryMillis", 30000.0),
						invalid + "field 'expiryMillis': expected an integer, got a floating-point number"),
				bad("a half-precision float where a version is expected", EVENTS, hex("a16c616674657256657273696f6ef93c00"),
						"Invalid " + EVENTS + " request: field 'afterVersion': expected an integer, got a "
								+ "floating-point number"),
				bad("a version written as a 64-bit float (1.8e15)", EVENTS, RawClient.cbor(Map.of("afterVersion", 1.8e15)),
						"Invalid " + EVENTS + " request: field 'afterVersion': expected an integer, got a "
								+ "floating-point number"),
				bad("a bignum beyond 64 bits", EVENTS, hex("a16c616674657256657273696f6ec249010000000000000000"),
						"Invalid " + EVENTS + " request: field 'afterVersion': expected a signed 64-bit integer, got "
								+ "18446744073709551616"),
				bad("another tag where an integer is expected", EVENTS, hex("a16c616674657256657273696f6ec11a5f5e1000"),
						"Invalid " + EVENTS + " request: field 'afterVersion': expected an integer, got a tagged "
								+ "value (tag 1)"),
				bad("an integer beyond 64 bits", INVITE, replaceValue(invite("expiryMillis", 7), "07",
						"1bffffffffffffffff"),
						invalid + "field 'expiryMillis': expected a signed 64-bit integer, got 18446744073709551615"),
				bad("an integer where text is expected", INVITE, invite("message", 5),
						invalid + "field 'message': expected a text string, got an integer"),
				bad("base64 text where bytes are expected", INVITE, invite("data", "AQI="),
						invalid + "field 'data': expected a byte string, got a text string"),
				bad("bytes where a UUID is expected", INVITE, invite("invitationId", new byte[16]),
						invalid + "field 'invitationId': expected a text string, got a byte string"),
				bad("a boolean where a map is expected", INVITE, invite("application", true),
						invalid + "field 'application': expected a map, got a boolean"),
				bad("an array where text is expected, nested", INVITE, invite("application", app("id", List.of(1))),
						invalid + "field 'application.id': expected a text string, got an array"),
				bad("an unknown enum constant", INVITE, invite("application", app("scope", "EVERYWHERE")),
						invalid + "field 'application.scope': expected one of NONE, NEAR_ME, INTERNET, ALL, got "
								+ "'EVERYWHERE'"),
				bad("a malformed UUID", INVITE, invite("sessionId", "1-2-3-4-5"),
						invalid + "field 'sessionId': expected a UUID (36 characters, 8-4-4-4-12 hex digits), got "
								+ "'1-2-3-4-5'"),
				bad("a negative expiry", INVITE, invite("expiryMillis", -5),
						invalid + "field 'expiryMillis': expected a positive number of milliseconds, got -5"),
				bad("a session opening with a wrong type", SESSION, RawClient.cbor(Map.of("invitationId", 7)),
						"Invalid " + SESSION + " opening payload: field 'invitationId': expected a text string, got "
								+ "an integer"),
				// missing and null
				bad("a missing required field", INVITE, invite("expiryMillis", ABSENT),
						invalid + "missing field 'expiryMillis'"),
				bad("a missing required field, nested", INVITE, invite("application", app("scope", ABSENT)),
						invalid + "missing field 'application.scope'"),
				bad("null for a required field", INVITE, invite("expiryMillis", null),
						invalid + "field 'expiryMillis': a required field, got null"),
				// the wrong top-level type
				bad("an array instead of a map", INVITE, hex("820102"), invalid + "expected a CBOR map, got an array"),
				bad("a text string instead of a map", EVENTS, hex("6161"),
						"Invalid " + EVENTS + " request: expected a CBOR map, got a text string"),
				bad("no data where a map is expected", INVITE, new byte[0],
						invalid + "expected a CBOR map, got no data"),
				// malformed CBOR
				bad("truncated CBOR: a string cut short", INVITE, hex("a1676d6573736167656a616263"),
						invalid + "malformed CBOR at byte 9: a text string of 10 bytes runs past the end of the data "
								+ "(13 bytes)"),
				bad("truncated CBOR: a map cut after a key", INVITE, hex("bf676d657373616765"),
						invalid + "malformed CBOR at byte 9: the data ends after 9 bytes, where an item was expected"),
				bad("truncated CBOR: a map missing entries", INVITE, hex("a2616101"),
						invalid + "malformed CBOR at byte 0: a map of 2 entries runs past the end of the data "
								+ "(4 bytes)"),
				bad("truncated CBOR: an integer cut short", INVITE, hex("a161611a0001"),
						invalid + "malformed CBOR at byte 3: the data ends after 6 bytes, inside the item's argument"),
				bad("an overlong string: a declared length of 4 GiB", INVITE, hex("a1676d6573736167657affffffff78"),
						invalid + "malformed CBOR at byte 9: a text string of 4294967295 bytes runs past the end of "
								+ "the data (15 bytes)"),
				bad("an overlong array", INVITE, hex("a161619bffffffffffffffff"),
						invalid + "malformed CBOR at byte 3: an array of 18446744073709551615 items runs past the end "
								+ "of the data (12 bytes)"),
				bad("text that is not UTF-8", INVITE, hex("a1676d65737361676562c328"),
						invalid + "malformed CBOR at byte 9: a text string that is not valid UTF-8"),
				bad("a duplicate key", INVITE, hex("a2616101616102"),
						invalid + "malformed CBOR at byte 4: the key 'a' appears twice in one map"),
				bad("a map key that is not text", INVITE, hex("a10101"),
						invalid + "malformed CBOR at byte 1: map keys must be text strings, got an integer"),
				bad("items nested too deeply", INVITE, nested(40),
						invalid + "malformed CBOR at byte 19: items nested more than 16 levels deep"),
				bad("bytes after the map", INVITE, hex("a1616101ff"),
						invalid + "malformed CBOR at byte 4: 1 byte follows the end of the top-level item"),
				bad("a reserved additional information", INVITE, hex("a161611c"),
						invalid + "malformed CBOR at byte 3: reserved additional information 28"),
				bad("a break outside an indefinite-length item", INVITE, hex("ff"),
						invalid + "malformed CBOR at byte 0: a \"break\" stop code outside an indefinite-length item"),
				// a value over its length limit (checked after decoding, by the domain): a typed error of its own
				Arguments.of("an overlong message (300 characters)", INVITE, invite("message", "x".repeat(300)),
						"message must be at most 255 characters, was 300", 0x303));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformed")
	void malformedDataFailsItsStreamWithAMessageInTheProtocolsWords(String what, String route, byte[] data,
			String expected, int code) {
		Sinks.Many<PeerEvent> live = Sinks.many().multicast().onBackpressureBuffer();
		handler.events = after -> live.asFlux();
		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			Flux<Map<String, Object>> openStream = raw.rsocket.requestStream(
					RawClient.payload(EVENTS, Map.of("afterVersion", -1))).map(RawClient::map);

			StepVerifier.create(openStream)
					.then(() -> StepVerifier.create(send(raw, route, data))
							.expectErrorSatisfies(e -> {
								assertThat(e).isInstanceOf(CustomRSocketException.class);
								assertThat(((CustomRSocketException) e).errorCode()).isEqualTo(code);
								assertThat(e.getMessage()).isEqualTo(expected);
								assertThat(e.getMessage()).doesNotContain(INTERNALS);
							})
							.verify(TestPeers.TIMEOUT))
					.then(() -> live.tryEmitNext(new PresenceChange(ChangeType.UPDATED, RecordingHandler.PRESENCE,
							42)))
					.assertNext(event -> assertThat(event).containsEntry("kind", "presence")
							.containsEntry("version", 42))
					.thenCancel()
					.verify(TestPeers.TIMEOUT);

			StepVerifier.create(raw.rsocket.requestResponse(RawClient.payload("peercollab.v1.presence", Map.of()))
					.map(RawClient::map))
					.assertNext(p -> assertThat(p).containsEntry("status", "BUSY"))
					.verifyComplete();
		}
	}

	@Test
	void unknownFieldsAreIgnored() {
		handler.events = after -> Flux.just(new PeerEvent.Synced(7));
		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			StepVerifier.create(raw.rsocket.requestStream(RawClient.payload(EVENTS,
					Map.of("afterVersion", 3, "colour", List.of(1, Map.of("deep", new byte[] { 1 })))))
					.map(RawClient::map))
					.assertNext(e -> assertThat(e).containsEntry("kind", "synced").containsEntry("version", 7))
					.verifyComplete();
		}
		assertThat(handler.calls).anySatisfy(c -> assertThat(c.argument()).isEqualTo(3L));
	}

	/**
	 * The bytes two JavaScript CBOR encoders write for {@code {afterVersion: 1796000000000123}}, measured with Node 20:
	 * cbor-x 1.6.9 writes a Number above 2^32 as a 64-bit float (refused), a BigInt as an integer; node-cbor 10.0.12
	 * writes the Number as an integer and a BigInt as a bignum (tag 2), which is an integer too.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', quoteCharacter = '"', value = {
			"cbor-x BigInt | b900016c616674657256657273696f6e1b00066173d604407b | ",
			"node-cbor Number | a16c616674657256657273696f6e1b00066173d604407b | ",
			"node-cbor BigInt | a16c616674657256657273696f6ec247066173d604407b | ",
			"cbor-x Number | b900016c616674657256657273696f6efb431985cf581101ec | "
					+ "field 'afterVersion': expected an integer, got a floating-point number" })
	void whatJavaScriptEncodersWriteForAVersion(String encoder, String data, String error) {
		handler.events = after -> Flux.just(new PeerEvent.Synced(after));
		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			Flux<Map<String, Object>> events = raw.rsocket.requestStream(RawClient.payload(EVENTS, hex(data)))
					.map(RawClient::map);
			if (error == null) {
				StepVerifier.create(events)
						.assertNext(e -> assertThat(((Number) e.get("version")).longValue())
								.isEqualTo(1_796_000_000_000_123L))
						.verifyComplete();
			}
			else {
				StepVerifier.create(events)
						.expectErrorMessage("Invalid " + EVENTS + " request: " + error)
						.verify(TestPeers.TIMEOUT);
			}
		}
	}

	@Test
	void versionsOf64BitsArriveWhole() {
		long version = Long.MAX_VALUE - 1; // beyond 2^53: no double holds it
		handler.events = after -> Flux.just(new PeerEvent.Synced(after));
		try (RawClient raw = RawClient.connect(server.address(), alice.privateKey(), alice.certificate())
				.block(TestPeers.TIMEOUT)) {
			StepVerifier.create(raw.rsocket.requestStream(RawClient.payload(EVENTS, Map.of("afterVersion", version)))
					.map(RawClient::map))
					.assertNext(e -> assertThat(((Number) e.get("version")).longValue()).isEqualTo(version))
					.verifyComplete();
		}
	}

	private static Flux<Payload> send(RawClient raw, String route, byte[] data) {
		Payload payload = RawClient.payload(route, data);
		return switch (route) {
			case EVENTS -> raw.rsocket.requestStream(payload);
			case SESSION -> raw.rsocket.requestChannel(Flux.just(payload).concatWith(Flux.never()));
			default -> raw.rsocket.requestResponse(payload).flux();
		};
	}

	private static Arguments bad(String what, String route, byte[] data, String message) {
		return Arguments.of(what, route, data, message, 0x302);
	}

	/** @return a valid invitation with {@code key} set to {@code value}, or removed if it is {@link #ABSENT} */
	private static byte[] invite(String key, Object value) {
		Map<String, Object> invite = new LinkedHashMap<>();
		invite.put("invitationId", UUID.randomUUID().toString());
		invite.put("sessionId", UUID.randomUUID().toString());
		invite.put("senderNickname", "Alice");
		invite.put("application", app("description", "Whiteboard"));
		invite.put("message", "join me?");
		invite.put("data", new byte[] { 1, 2 });
		invite.put("expiryMillis", 30_000);
		if (value == ABSENT) {
			invite.remove(key);
		}
		else {
			invite.put(key, value);
		}
		return RawClient.cbor(invite);
	}

	private static Map<String, Object> app(String key, Object value) {
		Map<String, Object> app = new HashMap<>(Map.of("id", UUID.randomUUID().toString(), "description",
				"Whiteboard", "scope", "NEAR_ME"));
		if (value == ABSENT) {
			app.remove(key);
		}
		else {
			app.put(key, value);
		}
		return app;
	}

	/** @return {@code data} with the last occurrence of the CBOR item {@code from} replaced by {@code to} */
	private static byte[] replaceValue(byte[] data, String from, String to) {
		String hex = HexFormat.of().formatHex(data);
		int at = hex.lastIndexOf("6c6578706972794d696c6c6973" + from); // "expiryMillis" then the value
		String key = "6c6578706972794d696c6c6973";
		return hex(hex.substring(0, at + key.length()) + to + hex.substring(at + key.length() + from.length()));
	}

	/** @return {@code {"a": [[[...[0]...]]]}} with {@code depth} arrays */
	private static byte[] nested(int depth) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(hex("a16161"));
		for (int i = 0; i < depth; i++) {
			out.write(0x81);
		}
		out.write(0);
		return out.toByteArray();
	}

	private static byte[] hex(String hex) {
		return HexFormat.of().parseHex(hex);
	}
}
