// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written encoding of invitations and their answers reads back as what was sent, by this transport's reader
 * and by a general CBOR decoder.
 */
class InviteCodecTest {

	private static final PeerApplication APP = new PeerApplication(UUID.randomUUID(), "Tableau blanc ✏️",
			new byte[] { 1, 2, 3 }, PeerScope.NEAR_ME, null, null);

	@Test
	void anInvitationReadsBackAsTheRequestSent() {
		InviteRequest sent = new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "Zoë", APP,
				"x".repeat(200) + " — join me?", new byte[300], Duration.ofMinutes(5));

		byte[] cbor = CborWriter.encode(w -> Wire.Invite.write(w, sent));
		InviteRequest read = PayloadCodec.decode(cbor, Wire.Invite.class, Wire.Invite::toDomain, "test");

		assertThat(read.invitationId()).isEqualTo(sent.invitationId());
		assertThat(read.sessionId()).isEqualTo(sent.sessionId());
		assertThat(read.senderNickname()).isEqualTo("Zoë");
		assertThat(read.message()).isEqualTo(sent.message());
		assertThat(read.data()).isEqualTo(sent.data());
		assertThat(read.expiry()).isEqualTo(Duration.ofMinutes(5));
		assertThat(read.application().id()).isEqualTo(APP.id());
		assertThat(read.application().description()).isEqualTo(APP.description());
		assertThat(read.application().data()).isEqualTo(APP.data());
		assertThat(read.application().scope()).isEqualTo(PeerScope.NEAR_ME);
	}

	@Test
	void theEncodingIsTheMapADataBinderReadsWithTheProtocolsFieldNames() throws Exception {
		InviteRequest sent = new InviteRequest(UUID.fromString("6f1c2a9e-0b7d-4d3e-9a51-2c8e4f7b1d20"),
				UUID.randomUUID(), "alice", APP, "", new byte[0], Duration.ofMillis(300_000));

		JsonNode tree = new CBORMapper().readTree(CborWriter.encode(w -> Wire.Invite.write(w, sent)));

		assertThat(tree.get("invitationId").asText()).isEqualTo("6f1c2a9e-0b7d-4d3e-9a51-2c8e4f7b1d20");
		assertThat(tree.get("expiryMillis").asLong()).isEqualTo(300_000L);
		assertThat(tree.get("application").get("scope").asText()).isEqualTo("NEAR_ME");
		assertThat(tree.get("data").binaryValue()).isEmpty();
		assertThat(tree.size()).isEqualTo(7);
	}

	@Test
	void anAnswerReadsBackAsTheReplySent() {
		for (InvitationStatus status : InvitationStatus.values()) {
			if (status == InvitationStatus.CANCELLED) {
				continue; // the sender's own outcome, never an answer
			}
			for (Integer code : new Integer[] { null, 0, -2_147_024_891, Integer.MAX_VALUE }) {
				InviteReply sent = new InviteReply(status, "désolé", code);
				byte[] cbor = CborWriter.encode(w -> Wire.InviteAnswer.write(w, sent));
				assertThat(PayloadCodec.decode(cbor, Wire.InviteAnswer.class, Wire.InviteAnswer::toDomain, "test"))
						.isEqualTo(sent);
			}
		}
	}

	@Test
	void anAnswerWithoutACodeIsWhatAnEarlierVersionWrote() throws Exception {
		byte[] withoutCode = CborWriter.encode(w -> Wire.InviteAnswer.write(w,
				new InviteReply(InvitationStatus.DECLINED, "busy")));
		JsonNode tree = new CBORMapper().readTree(withoutCode);
		assertThat(tree.size()).as("status and message only").isEqualTo(2);
		assertThat(tree.has("extendedCode")).isFalse();
		byte[] withCode = CborWriter.encode(w -> Wire.InviteAnswer.write(w,
				new InviteReply(InvitationStatus.DECLINED, "busy", 42)));
		assertThat(new CBORMapper().readTree(withCode).get("extendedCode").asInt()).isEqualTo(42);
	}

	@Test
	void aCancelledStatusOrACodeBeyond32BitsIsRefusedNamingTheField() {
		byte[] cancelled = CborWriter.encode(w -> w.map(1).text("status", "CANCELLED"));
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> PayloadCodec.decode(cancelled,
						Wire.InviteAnswer.class, Wire.InviteAnswer::toDomain, "test"))
				.isInstanceOf(io.peercollab.PeerCollabException.class).hasMessageContaining("status");
		byte[] big = CborWriter.encode(w -> w.map(2).text("status", "DECLINED").integer("extendedCode", 1L << 40));
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> PayloadCodec.decode(big,
						Wire.InviteAnswer.class, Wire.InviteAnswer::toDomain, "test"))
				.isInstanceOf(io.peercollab.PeerCollabException.class).hasMessageContaining("extendedCode")
				.hasMessageContaining("32-bit");
	}

	@Test
	void textsOfEveryLengthClassKeepTheirBytes() {
		for (int n : new int[] { 0, 23, 24, 255, 256, 65_535, 65_536 }) {
			String s = "a".repeat(n);
			byte[] cbor = CborWriter.encode(w -> w.map(1).text("card", s));
			assertThat(PayloadCodec.decode(cbor, Wire.Card.class, Wire.Card::toDomain, "test")).isEqualTo(s);
		}
		String utf8 = "\u00e9\u4e2d\ud83d\ude00";
		byte[] cbor = CborWriter.encode(w -> w.map(1).text("card", utf8));
		assertThat(new String(cbor, StandardCharsets.UTF_8)).contains(utf8);
	}
}
