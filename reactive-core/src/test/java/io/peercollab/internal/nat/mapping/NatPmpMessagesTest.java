// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Test;

class NatPmpMessagesTest {

	private static final HexFormat HEX = HexFormat.of();

	@Test
	void theRequestsAreByteForByteAsRfc6886Says() {
		assertThat(HEX.formatHex(NatPmpMessages.externalAddressRequest())).isEqualTo("0000");
		// version 0, opcode 2 (TCP), reserved, internal 7000, suggested 7000, lifetime 7200
		assertThat(HEX.formatHex(NatPmpMessages.mapTcpRequest(7000, 7000, 7200)))
				.isEqualTo("0002" + "0000" + "1b58" + "1b58" + "00001c20");
		// a deletion: suggested external port 0 and lifetime 0
		assertThat(HEX.formatHex(NatPmpMessages.mapTcpRequest(7000, 0, 0))).isEqualTo("000200001b580000" + "00000000");
	}

	@Test
	void theResponsesAreRead() {
		NatPmpMessages.ExternalAddressResponse a = NatPmpMessages.decodeExternalAddressResponse(
				ByteBuffer.wrap(HEX.parseHex("0080" + "0000" + "000004d2" + "cb00710a")));
		assertThat(a.epoch()).isEqualTo(1234);
		assertThat(a.externalAddress()).isEqualTo(IpLiterals.parseAddress("203.0.113.10"));

		NatPmpMessages.MapResponse m = NatPmpMessages.decodeMapTcpResponse(
				ByteBuffer.wrap(HEX.parseHex("0082" + "0000" + "000004d2" + "1b58" + "9c40" + "00000e10")));
		assertThat(m.internalPort()).isEqualTo(7000);
		assertThat(m.externalPort()).isEqualTo(40000);
		assertThat(m.lifetime()).isEqualTo(3600);
	}

	@Test
	void aResultCodeIsARefusalNamingIt() {
		assertThatThrownBy(() -> NatPmpMessages.decodeMapTcpResponse(ByteBuffer.wrap(HEX.parseHex("00820003000004d2"))))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> assertThat(e.code()).isEqualTo(3))
				.hasMessageContaining("Network Failure");
	}

	@Test
	void aPcpServersAnswerSaysTheVersionIsUnsupported() {
		byte[] pcp = new byte[24];
		pcp[0] = 2;
		pcp[1] = (byte) 0x80;
		pcp[3] = 1;
		assertThatThrownBy(() -> NatPmpMessages.decodeExternalAddressResponse(ByteBuffer.wrap(pcp)))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> assertThat(e.unsupportedVersion()).isTrue());
	}

	@Test
	void malformedResponsesNameTheFieldAndTheLimit() {
		assertThatThrownBy(() -> NatPmpMessages.decodeMapTcpResponse(ByteBuffer.wrap(HEX.parseHex("0082000000"))))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("length"))
				.hasMessageContaining("a response to opcode 2 is 16 bytes, was 5");
		assertThatThrownBy(() -> NatPmpMessages.decodeMapTcpResponse(ByteBuffer.wrap(new byte[1101])))
				.hasMessageContaining("at most 1100 bytes, was 1101");
		assertThatThrownBy(() -> NatPmpMessages.decodeMapTcpResponse(ByteBuffer.wrap(HEX.parseHex("0002"))))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("opcode"));
		assertThat(NatPmpMessages.decodeMapTcpResponse(ByteBuffer.wrap(HEX.parseHex("0080000000000000cb00710a"))))
				.as("an answer to the external address request is not one to a mapping request").isNull();
	}
}
