// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.peercollab.InvalidRequestException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Text strings are read straight from the payload: ASCII without a decoder (the protocol's field names and constants
 * as the very strings the reader knows), anything else through a strict UTF-8 decoder. A known text must never stand
 * for other bytes.
 */
class CborReaderTextTest {

	private static final CBORMapper MAPPER = new CBORMapper();

	private static CborReader.Fields decode(Map<String, Object> map) throws Exception {
		return CborReader.map(MAPPER.writeValueAsBytes(map));
	}

	@Test
	void everyShortTextComesBackAsWrittenWhateverTheCacheHolds() throws Exception {
		// many distinct short texts of the lengths of known ones
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i < 5_000; i++) {
				Map<String, Object> m = new LinkedHashMap<>();
				m.put("k" + i, "v" + (i * 7));
				m.put("same", "x" + (i % 10));
				CborReader.Fields f = decode(m);
				assertThat(f.text("k" + i)).isEqualTo("v" + (i * 7));
				assertThat(f.text("same")).isEqualTo("x" + (i % 10));
			}
		}
	}

	@Test
	void aRepeatedShortTextIsTheSameInstance() throws Exception {
		CborReader.Fields a = decode(Map.of("status", "UPDATED"));
		CborReader.Fields b = decode(Map.of("status", "UPDATED"));
		assertThat(a.text("status")).isSameAs(b.text("status"));
	}

	@Test
	void longAndNonAsciiTextsAreDecodedExactly() throws Exception {
		String longText = "a".repeat(25) + "b".repeat(100);
		String unicode = "Zoë 🎲 日本語";
		CborReader.Fields f = decode(Map.of("long", longText, "unicode", unicode, "mixed", "abcé"));
		assertThat(f.text("long")).isEqualTo(longText);
		assertThat(f.text("unicode")).isEqualTo(unicode);
		assertThat(f.text("mixed")).isEqualTo("abcé");
	}

	@Test
	void malformedUtf8IsRefusedWithItsOffset() {
		// {"a": <text of 2 bytes: 0xC3 0x28>} : an invalid continuation byte
		byte[] data = { (byte) 0xa1, 0x61, 0x61, 0x62, (byte) 0xc3, 0x28 };
		assertThatThrownBy(() -> CborReader.map(data))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("not valid UTF-8");
	}

	@Test
	void aTextRunningPastTheEndIsRefused() {
		byte[] data = { (byte) 0xa1, 0x61, 0x61, 0x65, 0x61, 0x62 };
		assertThatThrownBy(() -> CborReader.map(data))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("runs past the end");
	}

	@Test
	void aMapOfManyKeysIsReadAndARepeatedKeyRefusedInSmallAndLargeMaps() throws Exception {
		Map<String, Object> many = new LinkedHashMap<>();
		for (int i = 0; i < 1_000; i++) {
			many.put("key" + i, "value" + i);
		}
		CborReader.Fields f = decode(many);
		assertThat(f.text("key0")).isEqualTo("value0");
		assertThat(f.text("key999")).isEqualTo("value999");
		assertThat(f.text("absent")).isNull();
		for (int keys : new int[] { 2, 40 }) {
			// a definite-length map of `keys` entries whose last key repeats the first
			java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
			out.write(0xb8);
			out.write(keys);
			for (int i = 0; i < keys; i++) {
				String k = i == keys - 1 ? "k0" : "k" + i;
				out.write(0x60 + k.length());
				out.writeBytes(k.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				out.write(0x01);
			}
			assertThatThrownBy(() -> CborReader.map(out.toByteArray()))
					.isInstanceOf(InvalidRequestException.class)
					.hasMessageContaining("the key 'k0' appears twice");
		}
	}

	@Test
	void aFieldOfANestedMapIsNamedByItsPath() throws Exception {
		CborReader.Fields f = decode(Map.of("presence", Map.of("status", 7)));
		assertThatThrownBy(() -> f.requiredMap("presence", p -> p.requiredText("status")))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("presence.status");
	}
}
