// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import io.peercollab.PayloadTooLargeException;
import io.peercollab.internal.nat.StunMessage.ChangeRequest;
import io.peercollab.internal.nat.StunMessage.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The STUN codec against RFC 5769's test vectors, and against malformed datagrams. */
class StunMessageTest {

	private static final HexFormat HEX = HexFormat.of();

	private static final byte[] TRANSACTION_ID = HEX.parseHex("b7e7a701bc34d686fa87dfae");

	/** RFC 5769 section 2.2: sample IPv4 response (SOFTWARE, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT). */
	static final byte[] RFC5769_IPV4_RESPONSE = HEX.parseHex(
			"0101003c2112a442b7e7a701bc34d686fa87dfae"
					+ "8022000b7465737420766563746f7220"
					+ "0020000800" + "01a147e112a643"
					+ "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
					+ "80280004c07d4c96");

	/** RFC 5769 section 2.3: sample IPv6 response. */
	static final byte[] RFC5769_IPV6_RESPONSE = HEX.parseHex(
			"010100482112a442b7e7a701bc34d686fa87dfae"
					+ "8022000b7465737420766563746f7220"
					+ "00200014" + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
					+ "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
					+ "80280004c8fb0b4c");

	@Test
	void readsRfc5769SampleIpv4Response() throws Exception {
		StunMessage m = StunMessage.decode(ByteBuffer.wrap(RFC5769_IPV4_RESPONSE));

		assertThat(m.type()).isEqualTo(StunMessage.BINDING_SUCCESS);
		assertThat(m.transactionId()).isEqualTo(TRANSACTION_ID);
		assertThat(m.software()).contains("test vector");
		assertThat(m.mappedAddress()).contains(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
	}

	@Test
	void readsRfc5769SampleIpv6Response() throws Exception {
		StunMessage m = StunMessage.decode(ByteBuffer.wrap(RFC5769_IPV6_RESPONSE));

		assertThat(m.type()).isEqualTo(StunMessage.BINDING_SUCCESS);
		assertThat(m.software()).contains("test vector");
		assertThat(m.address(StunMessage.XOR_MAPPED_ADDRESS)).contains(new InetSocketAddress(
				InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
	}

	@Test
	void writesWhatItReadsWithEveryAttributeBothFamiliesAndAFingerprint() throws Exception {
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.XOR_MAPPED_ADDRESS, new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40000));
		attributes.put(StunMessage.MAPPED_ADDRESS, new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 1));
		attributes.put(StunMessage.OTHER_ADDRESS, new InetSocketAddress(InetAddress.getByName("203.0.113.21"), 3479));
		attributes.put(StunMessage.RESPONSE_ORIGIN, new InetSocketAddress(InetAddress.getByName("::1"), 65535));
		attributes.put(StunMessage.CHANGE_REQUEST, new ChangeRequest(true, false));
		attributes.put(StunMessage.ERROR_CODE, new ErrorCode(420, "Unknown Attribute é"));
		attributes.put(StunMessage.SOFTWARE, "PeerCollab");
		StunMessage m = new StunMessage(StunMessage.BINDING_ERROR, TRANSACTION_ID, attributes);

		byte[] bytes = m.encode(true);

		assertThat(bytes.length % 4).isZero();
		assertThat(StunMessage.decode(ByteBuffer.wrap(bytes))).isEqualTo(m);
		assertThat(StunMessage.decode(ByteBuffer.wrap(m.encode(false)))).isEqualTo(m);
	}

	@Test
	void bindingRequestsCarryAFreshTransactionIdAndTheChangeRequest() {
		StunMessage a = StunMessage.bindingRequest(new ChangeRequest(true, true));
		StunMessage b = StunMessage.bindingRequest(ChangeRequest.NONE);

		assertThat(a.transactionKey()).isNotEqualTo(b.transactionKey()).hasSize(24);
		StunMessage read = StunMessage.decode(ByteBuffer.wrap(a.encode(true)));
		assertThat(read.type()).isEqualTo(StunMessage.BINDING_REQUEST);
		assertThat(read.attributes()).containsEntry(StunMessage.CHANGE_REQUEST, new ChangeRequest(true, true));
		assertThat(StunMessage.decode(ByteBuffer.wrap(b.encode(false))).attributes()).isEmpty();
	}

	@Test
	void ignoresWhatFollowsMessageIntegrityExceptFingerprintAndSkipsOptionalAttributes() {
		StunMessage m = new StunMessage(StunMessage.BINDING_SUCCESS, TRANSACTION_ID, Map.of());
		ByteBuffer b = ByteBuffer.allocate(20 + 8 + 24 + 12);
		b.put(m.encode(false));
		b.putShort((short) 0x8099).putShort((short) 3).put(new byte[] {1, 2, 3, 0}); // unknown optional, padded
		b.putShort((short) StunMessage.MESSAGE_INTEGRITY).putShort((short) 20).put(new byte[20]);
		b.putShort((short) StunMessage.SOFTWARE).putShort((short) 8).put("after-mi".getBytes());
		b.putShort(2, (short) (b.position() - 20));

		StunMessage read = StunMessage.decode(ByteBuffer.wrap(b.array(), 0, b.position()));

		assertThat(read.attributes()).isEmpty();
	}

	static Stream<Arguments> malformed() {
		return Stream.of(
				Arguments.of("a short header", Arrays.copyOf(RFC5769_IPV4_RESPONSE, 19), "header"),
				Arguments.of("the first two bits set", set(RFC5769_IPV4_RESPONSE, 0, 0x41), "message type"),
				Arguments.of("a length not a multiple of 4", set(RFC5769_IPV4_RESPONSE, 3, 0x3d), "message length"),
				Arguments.of("a length longer than the datagram", set(RFC5769_IPV4_RESPONSE, 3, 0x40), "message length"),
				Arguments.of("a truncated datagram", Arrays.copyOf(RFC5769_IPV4_RESPONSE, 76), "message length"),
				Arguments.of("no magic cookie (RFC 3489)", set(RFC5769_IPV4_RESPONSE, 4, 0x22), "magic cookie"),
				Arguments.of("a flipped bit under the fingerprint", set(RFC5769_IPV4_RESPONSE, 25, 0x66), "FINGERPRINT"),
				Arguments.of("an attribute running past the end", set(RFC5769_IPV4_RESPONSE, 23, 0x60), "SOFTWARE"),
				Arguments.of("an unknown address family", set(RFC5769_IPV4_RESPONSE, 41, 3), "XOR-MAPPED-ADDRESS"),
				Arguments.of("an IPv6 family in 8 bytes", set(RFC5769_IPV4_RESPONSE, 41, 2), "XOR-MAPPED-ADDRESS"),
				Arguments.of("an unknown comprehension-required attribute", set(RFC5769_IPV4_RESPONSE, 36, 0x7f),
						"attribute 0x7f20"),
				Arguments.of("an attribute after FINGERPRINT", attributeAfterFingerprint(), "FINGERPRINT"),
				Arguments.of("SOFTWARE that is not UTF-8", withAttribute(StunMessage.SOFTWARE, new byte[] {(byte) 0xc3}),
						"SOFTWARE"),
				Arguments.of("SOFTWARE over 763 bytes", withAttribute(StunMessage.SOFTWARE, new byte[764]), "SOFTWARE"),
				Arguments.of("an ERROR-CODE of class 7", withAttribute(StunMessage.ERROR_CODE, new byte[] {0, 0, 7, 0}),
						"ERROR-CODE"),
				Arguments.of("an ERROR-CODE of 3 bytes", withAttribute(StunMessage.ERROR_CODE, new byte[] {0, 0, 4}),
						"ERROR-CODE"),
				Arguments.of("a CHANGE-REQUEST of 2 bytes", withAttribute(StunMessage.CHANGE_REQUEST, new byte[2]),
						"CHANGE-REQUEST"),
				Arguments.of("a short FINGERPRINT", withAttribute(StunMessage.FINGERPRINT, new byte[2]), "FINGERPRINT"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformed")
	void refusesMalformedMessagesNamingTheField(String what, byte[] datagram, String field) {
		assertThatThrownBy(() -> StunMessage.decode(ByteBuffer.wrap(datagram)))
				.isInstanceOfSatisfying(StunFormatException.class, e -> assertThat(e.field()).isEqualTo(field))
				.hasMessageContaining(field);
	}

	@Test
	void refusesADatagramOverTheSizeLimitNamingTheLimit() {
		byte[] datagram = withAttribute(0x8099, new byte[StunMessage.MAX_SIZE - 24 + 1]);

		assertThatThrownBy(() -> StunMessage.decode(ByteBuffer.wrap(datagram)))
				.isInstanceOf(PayloadTooLargeException.class)
				.hasMessageContaining("at most " + StunMessage.MAX_SIZE + " bytes");
		assertThat(StunMessage.decode(ByteBuffer.wrap(withAttribute(0x8099, new byte[StunMessage.MAX_SIZE - 24]))))
				.isNotNull();
	}

	@Test
	void randomDamageToAResponseGivesOnlyTypedErrors() {
		Random random = new Random(5389);
		for (int i = 0; i < 20_000; i++) {
			byte[] datagram = (i % 2 == 0 ? RFC5769_IPV4_RESPONSE : RFC5769_IPV6_RESPONSE).clone();
			// damage the header's length or the attributes, and recompute nothing: the codec must cope
			for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
				datagram[random.nextInt(datagram.length)] = (byte) random.nextInt(256);
			}
			if (random.nextBoolean()) {
				datagram = Arrays.copyOf(datagram, random.nextInt(datagram.length + 8));
			}
			byte[] input = datagram;
			try {
				StunMessage.decode(ByteBuffer.wrap(input));
			}
			catch (StunFormatException | PayloadTooLargeException expected) {
				// a typed error is what a stranger's datagram may get
			}
		}
	}

	private static byte[] set(byte[] bytes, int index, int value) {
		byte[] copy = bytes.clone();
		copy[index] = (byte) value;
		return copy;
	}

	/** A binding success response with one raw attribute. */
	private static byte[] withAttribute(int type, byte[] value) {
		int padded = (value.length + 3) & ~3;
		ByteBuffer b = ByteBuffer.allocate(20 + 4 + padded);
		b.put(new StunMessage(StunMessage.BINDING_SUCCESS, TRANSACTION_ID, Map.of()).encode(false));
		b.putShort((short) type).putShort((short) value.length).put(value);
		b.putShort(2, (short) (4 + padded));
		return b.array();
	}

	private static byte[] attributeAfterFingerprint() {
		byte[] signed = new StunMessage(StunMessage.BINDING_SUCCESS, TRANSACTION_ID,
				Map.of(StunMessage.SOFTWARE, "x")).encode(true);
		ByteBuffer b = ByteBuffer.allocate(signed.length + 8);
		b.put(signed).putShort((short) 0x8099).putShort((short) 4).putInt(0);
		b.putShort(2, (short) (b.capacity() - 20));
		return b.array();
	}
}
