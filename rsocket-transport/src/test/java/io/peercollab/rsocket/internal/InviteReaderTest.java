// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;

import io.netty.buffer.Unpooled;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invitation's fast reader gives exactly what the generic reader gives for what this codec writes, and declines
 * (answers {@code null}, leaving it to the generic reader) everything else, never failing on its own.
 */
class InviteReaderTest {

	private static final UUID ID = UUID.fromString("6f1c2a9e-0b7d-4d3e-9a51-2c8e4f7b1d20");

	static Stream<InviteRequest> requests() {
		PeerApplication full = new PeerApplication(UUID.randomUUID(), "Shared whiteboard", new byte[] { 1, 2, 3 },
				PeerScope.NEAR_ME, null, null);
		PeerApplication bare = new PeerApplication(UUID.randomUUID(), null, null, PeerScope.ALL, null, null);
		return Stream.of(
				new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "alice", full, "join me?", new byte[300],
						Duration.ofMinutes(5)),
				new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), null, bare, null, null, Duration.ofMillis(1)),
				new InviteRequest(ID, ID, "", full, "x".repeat(255), new byte[0], Duration.ofDays(1)),
				new InviteRequest(UUID.randomUUID(), UUID.randomUUID(), "bob", bare, null, new byte[2_000],
						Duration.ofHours(1)));
	}

	private static byte[] encode(InviteRequest r) {
		return CborWriter.encode(w -> Wire.Invite.write(w, r));
	}

	private static InviteRequest generic(byte[] cbor) {
		return PayloadCodec.decode(cbor, Wire.Invite.class, Wire.Invite::toDomain, "test");
	}

	@ParameterizedTest
	@MethodSource("requests")
	void readsWhatTheGenericReaderReads(InviteRequest sent) {
		byte[] cbor = encode(sent);
		InviteRequest fast = InviteReader.read(cbor, cbor.length);
		assertThat(fast).isNotNull();
		assertThat(fast).usingRecursiveComparison().isEqualTo(generic(cbor));
		assertThat(fast).usingRecursiveComparison().isEqualTo(sent);
		// through the codec's entry point, from a buffer
		assertThat(PayloadCodec.decodeInvite(Unpooled.wrappedBuffer(cbor), () -> "test"))
				.usingRecursiveComparison().isEqualTo(sent);
	}

	@ParameterizedTest
	@MethodSource("requests")
	void declinesEveryTruncationAndTrailingByte(InviteRequest sent) {
		byte[] cbor = encode(sent);
		for (int n = 0; n < cbor.length; n++) {
			assertThat(InviteReader.read(cbor, n)).as("first %d bytes", n).isNull();
		}
		byte[] longer = Arrays.copyOf(cbor, cbor.length + 1);
		assertThat(InviteReader.read(longer, longer.length)).isNull();
	}

	@Test
	void leavesOtherShapesToTheGenericReader() {
		PeerApplication app = new PeerApplication(ID, "Tableau blanc ✏️", null, PeerScope.ALL, null, null);
		InviteRequest unicode = new InviteRequest(ID, ID, "Zoë", app, null, null, Duration.ofMinutes(1));
		byte[] cbor = encode(unicode);
		assertThat(InviteReader.read(cbor, cbor.length)).isNull();
		assertThat(PayloadCodec.decodeInvite(Unpooled.wrappedBuffer(cbor), () -> "test"))
				.usingRecursiveComparison().isEqualTo(unicode);

		// an upper-case UUID: valid, the generic reader's
		InviteRequest plain = new InviteRequest(ID, ID, "alice",
				new PeerApplication(ID, null, null, PeerScope.ALL, null, null), null, null, Duration.ofMinutes(1));
		byte[] upper = encode(plain);
		String text = ID.toString();
		int at = indexOf(upper, text.getBytes());
		System.arraycopy(text.toUpperCase().getBytes(), 0, upper, at, text.length());
		assertThat(InviteReader.read(upper, upper.length)).isNull();
		assertThat(PayloadCodec.decodeInvite(Unpooled.wrappedBuffer(upper), () -> "test"))
				.usingRecursiveComparison().isEqualTo(plain);
	}

	@Test
	void leavesWhatIsWrongToTheGenericReaderAndItsMessages() {
		// expiryMillis 0: in shape, but refused by the generic reader naming the field
		PeerApplication app = new PeerApplication(ID, null, null, PeerScope.ALL, null, null);
		byte[] cbor = encode(new InviteRequest(ID, ID, null, app, null, null, Duration.ofMillis(1)));
		cbor[cbor.length - 1] = 0x00;
		assertThat(InviteReader.read(cbor, cbor.length)).isNull();
		assertThatThrownBy(() -> PayloadCodec.decodeInvite(Unpooled.wrappedBuffer(cbor), () -> "invite"))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("expiryMillis");

		// an unknown scope
		byte[] scoped = encode(new InviteRequest(ID, ID, null, app, null, null, Duration.ofMillis(1)));
		int at = indexOf(scoped, "ALL".getBytes());
		scoped[at] = 'X';
		assertThat(InviteReader.read(scoped, scoped.length)).isNull();
		assertThatThrownBy(() -> PayloadCodec.decodeInvite(Unpooled.wrappedBuffer(scoped), () -> "invite"))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("application.scope");
	}

	static Stream<InviteReply> answers() {
		return Stream.of(new InviteReply(InvitationStatus.DECLINED, "not now"),
				new InviteReply(InvitationStatus.ACCEPTED, null),
				new InviteReply(InvitationStatus.EXPIRED, ""),
				new InviteReply(InvitationStatus.DECLINED, "x".repeat(255)));
	}

	private static byte[] encode(InviteReply r) {
		return CborWriter.encode(w -> Wire.InviteAnswer.write(w, r));
	}

	private static InviteReply genericAnswer(byte[] cbor) {
		return PayloadCodec.decode(cbor, Wire.InviteAnswer.class, Wire.InviteAnswer::toDomain, "test");
	}

	@ParameterizedTest
	@MethodSource("answers")
	void readsTheAnswerTheGenericReaderReads(InviteReply sent) {
		byte[] cbor = encode(sent);
		InviteReply fast = InviteReader.readAnswer(cbor, cbor.length);
		assertThat(fast).isNotNull().isEqualTo(genericAnswer(cbor)).isEqualTo(sent);
		for (int n = 0; n < cbor.length; n++) {
			assertThat(InviteReader.readAnswer(cbor, n)).as("first %d bytes", n).isNull();
		}
		byte[] longer = Arrays.copyOf(cbor, cbor.length + 1);
		assertThat(InviteReader.readAnswer(longer, longer.length)).isNull();
	}

	@Test
	void leavesOtherAnswersToTheGenericReader() {
		// with an extended code, or a message that is not ASCII: the generic reader's, which reads them
		InviteReply coded = new InviteReply(InvitationStatus.DECLINED, "busy", 42);
		byte[] withCode = encode(coded);
		assertThat(InviteReader.readAnswer(withCode, withCode.length)).isNull();
		assertThat(genericAnswer(withCode)).isEqualTo(coded);
		InviteReply unicode = new InviteReply(InvitationStatus.DECLINED, "pas maintenant, désolé");
		byte[] nonAscii = encode(unicode);
		assertThat(InviteReader.readAnswer(nonAscii, nonAscii.length)).isNull();
		assertThat(genericAnswer(nonAscii)).isEqualTo(unicode);

		// CANCELLED is never an answer: declined here, refused by the generic reader
		byte[] cancelled = encode(new InviteReply(InvitationStatus.DECLINED, "m"));
		int at = indexOf(cancelled, "DECLINED".getBytes());
		System.arraycopy("CANCELED".getBytes(), 0, cancelled, at, 8);
		assertThat(InviteReader.readAnswer(cancelled, cancelled.length)).isNull();
		assertThatThrownBy(() -> genericAnswer(cancelled)).isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("status");
	}

	private static int indexOf(byte[] in, byte[] what) {
		outer: for (int i = 0; i <= in.length - what.length; i++) {
			for (int k = 0; k < what.length; k++) {
				if (in[i + k] != what[k]) {
					continue outer;
				}
			}
			return i;
		}
		throw new AssertionError("not found");
	}
}
