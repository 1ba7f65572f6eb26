// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link Bencode}: round trips and what it refuses. */
class BencodeTest {

	private static byte[] ascii(String s) {
		return s.getBytes(StandardCharsets.ISO_8859_1);
	}

	@Test
	void aKrpcMessageRoundTripsToTheSameBytes() {
		byte[] wire = ascii("d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q3:get2:roi1e"
				+ "1:t2:aa1:y1:qe");
		Object decoded = Bencode.decode(wire);
		assertThat(Bencode.encode(decoded)).isEqualTo(wire);
		@SuppressWarnings("unchecked")
		Map<String, Object> message = (Map<String, Object>) decoded;
		assertThat(Bencode.latin1((byte[]) message.get("q"))).isEqualTo("get");
		assertThat(message.get("ro")).isEqualTo(1L);
	}

	@Test
	void encodingSortsKeysAndWritesEveryType() {
		byte[] out = Bencode.encode(Map.of("z", List.of(1, -2L, "x"), "a", new byte[] {(byte) 0xff}, "m", Map.of()));
		assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo("d1:a1:\u00ff1:mde1:zli1ei-2e1:xee");
		assertThat(Bencode.decode(out)).isInstanceOf(Map.class);
		assertThat(Bencode.encode(Bencode.decode(ascii("i1234567890123456e")))).isEqualTo(ascii("i1234567890123456e"));
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
			"5:abc|says 5 bytes",
			"i12|not terminated",
			"i-0e|not canonical",
			"i03e|not canonical",
			"ie|not canonical",
			"i1x2e|non-digit",
			"i1234567890123456789e|limit of 18 digits",
			"l1:a|not terminated",
			"d1:ai1e|not terminated",
			"di1ei2ee|not a byte string",
			"d1:ai1e1:ai2ee|appears twice",
			"1:ae|follow the value",
			"x|unexpected byte",
			"''|where a value was expected",
			"-1:a|unexpected byte",
	})
	void malformedInputIsRefusedWithTheReason(String input, String reason) {
		assertThatThrownBy(() -> Bencode.decode(ascii(input)))
				.isInstanceOf(Bencode.BencodeException.class)
				.hasMessageContaining(reason);
	}

	@Test
	void limitsOnDepthElementsAndSizeAreEnforced() {
		assertThat(Bencode.decode(ascii("l".repeat(Bencode.MAX_DEPTH) + "e".repeat(Bencode.MAX_DEPTH))))
				.isInstanceOf(List.class);
		assertThatThrownBy(() -> Bencode.decode(ascii("l".repeat(Bencode.MAX_DEPTH + 1)
				+ "e".repeat(Bencode.MAX_DEPTH + 1))))
				.isInstanceOf(Bencode.BencodeException.class).hasMessageContaining("limit of 16 levels");
		assertThatThrownBy(() -> Bencode.decode(ascii("l" + "i1e".repeat(Bencode.MAX_ELEMENTS + 1) + "e")))
				.isInstanceOf(Bencode.BencodeException.class).hasMessageContaining("limit of 1024 elements");
		assertThatThrownBy(() -> Bencode.decode(new byte[Bencode.MAX_INPUT + 1]))
				.isInstanceOf(Bencode.BencodeException.class).hasMessageContaining("limit of 8192");
		assertThatThrownBy(() -> Bencode.decodeDictionary(ascii("le")))
				.isInstanceOf(Bencode.BencodeException.class).hasMessageContaining("not a dictionary");
	}
}
