// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written encoding of a presence answer reads back as the presence sent, and is the map the data binder
 * wrote for it before (the same fields and values; only the map's length is now given up front).
 */
class PresenceCodecTest {

	/** The data binder as the codec configured it for the answers it still writes. */
	private static final ObjectMapper BINDER = CBORMapper.builder()
			.serializationInclusion(JsonInclude.Include.NON_NULL)
			.build();

	@Test
	void everyPresenceReadsBackAsTheOneSentAndIsTheMapTheDataBinderWrote() throws Exception {
		for (PresenceStatus status : PresenceStatus.values()) {
			for (String text : new String[] { "", "in a meeting", "déjeuner ✏️",
					"x".repeat(PresenceInfo.MAX_TEXT_LENGTH) }) {
				PresenceInfo sent = new PresenceInfo(status, text);
				byte[] cbor = CborWriter.encode(w -> Wire.Presence.write(w, sent));

				assertThat(PayloadCodec.decode(cbor, Wire.Presence.class, Wire.Presence::toDomain, "test"))
						.isEqualTo(sent);
				assertThat(BINDER.readTree(cbor))
						.isEqualTo(BINDER.readTree(BINDER.writeValueAsBytes(Wire.Presence.from(sent))));
			}
		}
	}
}
