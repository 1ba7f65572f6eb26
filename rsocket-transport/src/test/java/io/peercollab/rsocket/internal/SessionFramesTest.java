// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.peercollab.InvalidRequestException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import io.rsocket.Payload;
import io.rsocket.util.ByteBufPayload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The session frame codec writes exactly the bytes the generic CBOR codec writes for {@link Wire.Frame}, reads them
 * back, reads what the generic codec accepts in other shapes, refuses what it refuses, and releases every payload.
 */
class SessionFramesTest {

	private static final int MAX = 128 * 1024;
	private static final PeerName CAROL = PeerName.unsecured("carol");

	private final PayloadCodec codec = new PayloadCodec(MAX);
	private final SessionFrames frames = new SessionFrames(MAX, UnpooledByteBufAllocator.DEFAULT);

	static Stream<Arguments> frames() {
		return IntStream.of(0, 1, 23, 24, 255, 256, 1024, 16_374, 16_375, 16_384, 16_385, 32_768, 65_535, 65_536).boxed()
				.flatMap(n -> Stream.of(Arguments.of(n, false), Arguments.of(n, true)));
	}

	@ParameterizedTest(name = "{0} bytes, origin {1}")
	@MethodSource("frames")
	void writesWhatTheGenericCodecWritesAndReadsItBack(int size, boolean withOrigin) {
		byte[] data = new byte[size];
		new Random(size).nextBytes(data);
		SessionFrame frame = new SessionFrame(withOrigin ? CAROL : null, data);

		Payload ours = frames.encode(frame);
		byte[] written = ByteBufUtil.getBytes(ours.sliceData());
		Payload generic = codec.data(Wire.Frame.from(frame));
		assertThat(written).isEqualTo(ByteBufUtil.getBytes(generic.sliceData()));
		generic.release();

		SessionFrame read = frames.decode(ours, "frame");
		assertThat(ours.refCnt()).isZero();
		assertThat(read.origin()).isEqualTo(frame.origin());
		assertThat(read.data()).isEqualTo(data).isNotSameAs(data);
	}

	@Test
	void writesALargeFrameInPiecesOfOneTlsRecordAtMost() {
		byte[] data = new byte[65_536];
		new Random(7).nextBytes(data);
		Payload ours = frames.encode(new SessionFrame(CAROL, data));
		assertThat(ours.data()).isInstanceOf(CompositeByteBuf.class);
		CompositeByteBuf composite = (CompositeByteBuf) ours.data();
		// the header, then 4 pieces of 16 KiB, the last one holding the break too
		assertThat(composite.numComponents()).isEqualTo(5);
		for (int i = 0; i < composite.numComponents(); i++) {
			assertThat(composite.internalComponent(i).readableBytes()).isLessThanOrEqualTo(SessionFrames.PIECE + 1);
		}
		SessionFrame read = frames.decode(ours, "frame");
		assertThat(ours.refCnt()).isZero();
		assertThat(read.origin()).isEqualTo(CAROL);
		assertThat(read.data()).isEqualTo(data);
	}

	@Test
	void readsAFrameInAnotherShapeTheProtocolAllows() {
		// a map of definite length (0xa1) holding "data": h'010203'
		byte[] definite = {(byte) 0xa1, 0x64, 'd', 'a', 't', 'a', 0x43, 1, 2, 3};
		Payload p = ByteBufPayload.create(Unpooled.wrappedBuffer(definite));
		SessionFrame read = frames.decode(p, "frame");
		assertThat(p.refCnt()).isZero();
		assertThat(read.origin()).isNull();
		assertThat(read.data()).containsExactly(1, 2, 3);
	}

	@Test
	void refusesABadFrameAsTheGenericCodecDoesAndReleasesIt() {
		// "data" holding a text string instead of bytes
		byte[] bad = {(byte) 0xbf, 0x64, 'd', 'a', 't', 'a', 0x61, 'x', (byte) 0xff};
		Payload p = ByteBufPayload.create(Unpooled.wrappedBuffer(bad));
		assertThatThrownBy(() -> frames.decode(p, "peercollab.v1.session frame"))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("peercollab.v1.session frame")
				.hasMessageContaining("data");
		assertThat(p.refCnt()).isZero();
	}

	@Test
	void refusesABadOriginNamingTheField() {
		byte[] bad = {(byte) 0xbf, 0x66, 'o', 'r', 'i', 'g', 'i', 'n', 0x61, ' ', 0x64, 'd', 'a', 't', 'a', 0x40,
				(byte) 0xff};
		Payload p = ByteBufPayload.create(Unpooled.wrappedBuffer(bad));
		assertThatThrownBy(() -> frames.decode(p, "frame"))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("origin");
		assertThat(p.refCnt()).isZero();
	}

	@Test
	void checksTheSizeBeforeReadingAndWriting() {
		SessionFrames small = new SessionFrames(100, UnpooledByteBufAllocator.DEFAULT);
		assertThatThrownBy(() -> small.encode(new SessionFrame(null, new byte[100])))
				.isInstanceOf(PayloadTooLargeException.class)
				.hasMessageContaining("maxPayloadSize (100 bytes)");
		Payload p = frames.encode(new SessionFrame(null, new byte[100]));
		assertThatThrownBy(() -> small.decode(p, "frame"))
				.isInstanceOf(PayloadTooLargeException.class)
				.hasMessageContaining("maxPayloadSize (100 bytes)");
		assertThat(p.refCnt()).isZero();
	}
}
