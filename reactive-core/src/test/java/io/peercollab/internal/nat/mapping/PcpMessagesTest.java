// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Test;

class PcpMessagesTest {

	private static final HexFormat HEX = HexFormat.of();

	private static final byte[] NONCE = HEX.parseHex("0102030405060708090a0b0c");

	@Test
	void aMapRequestIsTheCommonHeaderAndTheMapBodyByteForByte() {
		byte[] request = PcpMessages.mapRequest(IpLiterals.parseAddress("10.1.0.2"), 7200, NONCE, 7000, 7001, null);

		assertThat(HEX.formatHex(request)).isEqualTo(""
				// version 2, R=0 opcode MAP, reserved, lifetime 7200
				+ "02" + "01" + "0000" + "00001c20"
				// client address, IPv4-mapped
				+ "00000000000000000000ffff0a010002"
				// nonce, protocol TCP, reserved, internal port, suggested external port
				+ "0102030405060708090a0b0c" + "06" + "000000" + "1b58" + "1b59"
				// suggested external address: ::ffff:0.0.0.0, no preference
				+ "00000000000000000000ffff00000000");
		assertThat(request).hasSize(60);
	}

	@Test
	void aDeletionIsAMapRequestWithLifetimeZero() {
		byte[] request = PcpMessages.mapRequest(IpLiterals.parseAddress("10.1.0.2"), 0, NONCE, 7000, 0, null);

		assertThat(HEX.formatHex(request, 4, 8)).isEqualTo("00000000");
		assertThat(HEX.formatHex(request, 42, 44)).isEqualTo("0000");
	}

	@Test
	void aMapResponseIsRead() {
		PcpMessages.MapResponse r = PcpMessages.decodeMapResponse(response(0, 3600));

		assertThat(r.resultCode()).isZero();
		assertThat(r.lifetime()).isEqualTo(3600);
		assertThat(r.epoch()).isEqualTo(1234);
		assertThat(r.nonce()).isEqualTo(NONCE);
		assertThat(r.protocol()).isEqualTo(6);
		assertThat(r.internalPort()).isEqualTo(7000);
		assertThat(r.externalPort()).isEqualTo(40000);
		assertThat(r.externalAddress()).isEqualTo(IpLiterals.parseAddress("203.0.113.10"));
	}

	@Test
	void aNatPmpServersAnswerSaysTheVersionIsUnsupported() {
		ByteBuffer natPmp = ByteBuffer.wrap(HEX.parseHex("0081000100000010"));

		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(natPmp))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> {
					assertThat(e.code()).isEqualTo(1);
					assertThat(e.unsupportedVersion()).isTrue();
				});
	}

	@Test
	void malformedResponsesNameTheFieldAndTheLimit() {
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(new byte[] {2, (byte) 0x81})))
				.isInstanceOf(GatewayFormatException.class).hasMessageContaining("length")
				.hasMessageContaining("at least 4");
		byte[] big = new byte[1104];
		big[0] = 2;
		big[1] = (byte) 0x81;
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(big)))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("length"))
				.hasMessageContaining("at most 1100 bytes, was 1104");
		byte[] odd = new byte[26];
		odd[0] = 2;
		odd[1] = (byte) 0x81;
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(odd)))
				.hasMessageContaining("a multiple of 4 bytes");
		byte[] request = new byte[60];
		request[0] = 2;
		request[1] = 1;
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(request)))
				.isInstanceOfSatisfying(GatewayFormatException.class, e -> assertThat(e.field()).isEqualTo("R"));
		byte[] shortSuccess = new byte[24];
		shortSuccess[0] = 2;
		shortSuccess[1] = (byte) 0x81;
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(shortSuccess)))
				.hasMessageContaining("a MAP response is at least 60 bytes, was 24");
	}

	@Test
	void anErrorWithoutTheOpcodeBodyIsARefusal() {
		byte[] error = new byte[24];
		error[0] = 2;
		error[1] = (byte) 0x81;
		error[3] = 2;
		assertThatThrownBy(() -> PcpMessages.decodeMapResponse(ByteBuffer.wrap(error)))
				.isInstanceOfSatisfying(GatewayRefusedException.class, e -> assertThat(e.code()).isEqualTo(2))
				.hasMessageContaining("NOT_AUTHORIZED");
	}

	@Test
	void aResponseToAnotherOpcodeIsNotOurs() {
		byte[] announce = new byte[24];
		announce[0] = 2;
		announce[1] = (byte) 0x80;
		assertThat(PcpMessages.decodeMapResponse(ByteBuffer.wrap(announce))).isNull();
	}

	@Test
	void ipv6AddressesTravelAsTheyAre() throws Exception {
		InetAddress v6 = IpLiterals.parseAddress("2001:db8::1");
		assertThat(PcpMessages.address16(v6)).isEqualTo(v6.getAddress());
		assertThat(PcpMessages.fromAddress16(v6.getAddress())).isEqualTo(v6);
	}

	/** A MAP success response for {@link #NONCE}, TCP, 7000 to 40000 at 203.0.113.10, epoch 1234. */
	static ByteBuffer response(int result, long lifetime) {
		ByteBuffer b = ByteBuffer.allocate(60);
		b.put((byte) 2).put((byte) 0x81).put((byte) 0).put((byte) result).putInt((int) lifetime).putInt(1234)
				.put(new byte[12]);
		b.put(NONCE).put((byte) 6).put(new byte[3]).putShort((short) 7000).putShort((short) 40000)
				.put(HEX.parseHex("00000000000000000000ffffcb00710a"));
		return b.flip();
	}
}
