// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.peercollab.InvalidRequestException;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import io.rsocket.Payload;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The numbered session frames of PROTOCOL.md 5.8.1: {@code seq} and {@code ack} after {@code data}, read back by the
 * fast path and by the general decoder alike, and an acknowledgement alone.
 */
class SequencedFramesTest {

	private static final PeerName ALICE = PeerIdentity.generate("alice").name();
	private final SessionFrames frames = new SessionFrames(131_072, ByteBufAllocator.DEFAULT);

	@ParameterizedTest
	@ValueSource(longs = {0, 1, 23, 24, 255, 256, 65_535, 65_536, 4_294_967_295L, 4_294_967_296L, 1L << 50})
	void numbersOfEverySizeRoundTrip(long n) {
		for (long seq : new long[] {0, n + 1}) {
			for (long ack : new long[] {-1, n}) {
				// a small frame is one buffer; one above SessionFrames.PIECE is written in pieces, numbers in the last
				for (byte[] data : new byte[][] {("frame " + n).getBytes(StandardCharsets.UTF_8), large(n)})
				for (PeerName origin : new PeerName[] {null, ALICE}) {
					SessionFrame f = new SessionFrame(origin, data);
					Payload p = frames.encode(f, seq, ack);
					byte[] bytes = ByteBufUtil.getBytes(p.sliceData());
					SessionFrames.Sequenced s = frames.decodeSequenced(p, "frame");
					assertThat(s.seq()).isEqualTo(seq);
					assertThat(s.ack()).isEqualTo(ack);
					assertThat(s.frame().data()).isEqualTo(f.data());
					assertThat(s.frame().origin()).isEqualTo(origin);
					// the general decoder reads the same
					Wire.Frame w = PayloadCodec.decode(bytes, Wire.Frame.class, x -> x, "frame");
					assertThat(w.seq()).isEqualTo(seq == 0 ? null : seq);
					assertThat(w.ack()).isEqualTo(ack < 0 ? null : ack);
					// and a receiver that does not number frames reads the frame
					assertThat(frames.decode(DefaultPayload.create(bytes), "frame").data()).isEqualTo(f.data());
				}
			}
		}
		SessionFrames.Sequenced ack = frames.decodeSequenced(frames.encodeAck(n), "frame");
		assertThat(ack.seq()).isZero();
		assertThat(ack.ack()).isEqualTo(n);
		assertThat(ack.frame()).isNull();
	}

	/** @return 3 bytes short of 64 KiB, the largest message (a short last piece), filled from {@code n} */
	private static byte[] large(long n) {
		byte[] b = new byte[65_533];
		new java.util.Random(n).nextBytes(b);
		return b;
	}

	@ParameterizedTest
	@ValueSource(longs = {1, 23, 24, 255, 256, 65_536, 4_294_967_296L, 1L << 50})
	void anEndOfFramesRoundTrips(long n) {
		for (long ack : new long[] {-1, 0, n}) {
			Payload p = frames.encodeEnd(n, ack);
			byte[] bytes = ByteBufUtil.getBytes(p.sliceData());
			SessionFrames.Sequenced s = frames.decodeSequenced(p, "frame");
			assertThat(s.end()).isTrue();
			assertThat(s.seq()).isEqualTo(n);
			assertThat(s.ack()).isEqualTo(ack);
			assertThat(s.frame()).isNull();
			// the general decoder reads the same
			Wire.Frame w = PayloadCodec.decode(bytes, Wire.Frame.class, x -> x, "frame");
			assertThat(w.end()).isEqualTo(n);
			assertThat(w.seq()).isNull();
		}
	}

	@Test
	void anEndOfFramesOutOfRangeOrWithAFrameIsRefusedNamingTheField() {
		// {"end": 0}
		byte[] end0 = {(byte) 0xbf, 0x63, 'e', 'n', 'd', 0x00, (byte) 0xff};
		assertThatThrownBy(() -> frames.decodeSequenced(DefaultPayload.create(Unpooled.wrappedBuffer(end0)), "frame"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("field 'end'");
		// {"data": h'', "end": 1}
		byte[] endData = {(byte) 0xbf, 0x64, 'd', 'a', 't', 'a', 0x40, 0x63, 'e', 'n', 'd', 0x01, (byte) 0xff};
		assertThatThrownBy(() -> frames.decodeSequenced(DefaultPayload.create(Unpooled.wrappedBuffer(endData)),
				"frame")).isInstanceOf(InvalidRequestException.class).hasMessageContaining("field 'end'");
	}

	@Test
	void outOfRangeNumbersAreRefusedNamingTheField() {
		// {"data": h'', "seq": 0}
		byte[] seq0 = {(byte) 0xbf, 0x64, 'd', 'a', 't', 'a', 0x40, 0x63, 's', 'e', 'q', 0x00, (byte) 0xff};
		assertThatThrownBy(() -> frames.decodeSequenced(DefaultPayload.create(Unpooled.wrappedBuffer(seq0)), "frame"))
				.isInstanceOf(InvalidRequestException.class).hasMessageContaining("field 'seq'");
		// {"data": h'', "ack": -1}
		byte[] ackNeg = {(byte) 0xbf, 0x64, 'd', 'a', 't', 'a', 0x40, 0x63, 'a', 'c', 'k', 0x20, (byte) 0xff};
		assertThatThrownBy(() -> frames.decodeSequenced(DefaultPayload.create(Unpooled.wrappedBuffer(ackNeg)),
				"frame")).isInstanceOf(InvalidRequestException.class).hasMessageContaining("field 'ack'");
	}
}
