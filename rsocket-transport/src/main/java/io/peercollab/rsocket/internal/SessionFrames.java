// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import io.rsocket.Payload;
import io.rsocket.util.ByteBufPayload;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The later payloads of a {@code peercollab.v1.session} channel, written and read without a byte array per layer: a
 * frame is written straight into one pooled buffer (the CBOR map {@code {"origin"?: text, "data": bytes}} of
 * indefinite length that {@link PayloadCodec} writes for {@link Wire.Frame}, byte for byte), and read from the
 * payload's buffer with one copy, into the array the frame then owns.
 *
 * <p>Reading takes that shape, keys in that order, as a fast path; anything else the protocol allows (a map of
 * definite length, other encodings of a length) and anything it does not go to {@link PayloadCodec#decode}, which
 * accepts or refuses it exactly as before, with the same messages.
 */
final class SessionFrames {

	private static final int MAP_START = 0xbf;
	private static final int BREAK = 0xff;
	private static final byte[] ORIGIN_KEY = {0x66, 'o', 'r', 'i', 'g', 'i', 'n'};
	private static final byte[] DATA_KEY = {0x64, 'd', 'a', 't', 'a'};
	private static final int BYTES = 0x40;
	private static final int TEXT = 0x60;
	/** The largest piece of a large frame's data: one TLS record's worth, a size class of Netty's pooled allocator. */
	static final int PIECE = 16 * 1024;

	private final int maxPayloadSize;
	private final ByteBufAllocator allocator;

	SessionFrames(int maxPayloadSize, ByteBufAllocator allocator) {
		this.maxPayloadSize = maxPayloadSize;
		this.allocator = allocator;
	}

	/**
	 * The payloads of a session's outbound frames, each encoded (its array copied into a pooled buffer) as it is taken
	 * and handed to RSocket at once: no encoded frame waits in a queue of ours, and the session's arrays are not read
	 * after that.
	 *
	 * <p>RSocket's requests (the other side's REQUEST_N) are passed on from a {@link Schedulers#parallel()} worker, not
	 * from the connection's event loop where they arrive (subscribing and every other signal are not moved): the frames they release are then handed to RSocket off the
	 * event loop, where Reactor Netty queues them and writes them together, instead of flushing each frame as its own
	 * TLS record and write as it does for what it is handed on its event loop (a third of the bare channel's
	 * throughput in SessionBenchmark).
	 */
	Flux<Payload> outbound(Publisher<SessionFrame> frames) {
		Flux<Payload> payloads = Flux.from(frames).map(this::encode);
		// not subscribeOn(scheduler, true): that also subscribes later, on the worker, and a channel cancelled before
		// then never subscribes at all, so a session the other side opened and closed at once was never served
		return new Flux<>() {
			@Override
			public void subscribe(CoreSubscriber<? super Payload> actual) {
				payloads.subscribe(new RequestHop(actual, Schedulers.parallel().createWorker()));
			}
		};
	}

	/** Passes every signal through at once, and every request from a worker of its own, in order. */
	static final class RequestHop implements CoreSubscriber<Payload>, Subscription {

		private final CoreSubscriber<? super Payload> actual;
		private final Scheduler.Worker worker;
		private Subscription upstream;

		RequestHop(CoreSubscriber<? super Payload> actual, Scheduler.Worker worker) {
			this.actual = actual;
			this.worker = worker;
		}

		@Override
		public Context currentContext() {
			return actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				actual.onSubscribe(this);
			}
		}

		@Override
		public void onNext(Payload p) {
			actual.onNext(p);
		}

		@Override
		public void onError(Throwable t) {
			worker.dispose();
			actual.onError(t);
		}

		@Override
		public void onComplete() {
			worker.dispose();
			actual.onComplete();
		}

		@Override
		public void request(long n) {
			try {
				worker.schedule(() -> upstream.request(n));
			}
			catch (RejectedExecutionException e) {
				// the stream is over: nothing more to ask for
			}
		}

		@Override
		public void cancel() {
			worker.dispose();
			upstream.cancel();
		}
	}

	/**
	 * A frame of a session that can move between connections (PROTOCOL.md 5.8.1), as read or to be written.
	 *
	 * @param seq the frame's number, from 1, or 0 if it carries none
	 * @param ack the number of the last frame its sender received, or -1 if it carries none
	 * @param frame the frame; on a frame without {@code seq} from a peer that numbers its frames, an acknowledgement
	 *     only; {@code null} on an end of frames
	 * @param end whether this is the end of the sender's frames ({@code {"end": seq}}): numbered as a frame, and
	 *     acknowledged as one, but no message
	 */
	record Sequenced(long seq, long ack, SessionFrame frame, boolean end) {

		Sequenced(long seq, long ack, SessionFrame frame) {
			this(seq, ack, frame, false);
		}
	}

	private static final byte[] SEQ_KEY = {0x63, 's', 'e', 'q'};
	private static final byte[] ACK_KEY = {0x63, 'a', 'c', 'k'};

	private static final byte[] END_KEY = {0x63, 'e', 'n', 'd'};

	/**
	 * @param seq the number of the end of frames: one more than the sender's last frame
	 * @param ack the last number received, or -1 to write none
	 * @return the payload of the end of the sender's frames: {@code {"end": seq, "ack"?: ack}}
	 */
	Payload encodeEnd(long seq, long ack) {
		ByteBuf buf = allocator.heapBuffer(32, 32);
		buf.writeByte(MAP_START);
		buf.writeBytes(END_KEY);
		writeUnsigned(buf, seq);
		if (ack >= 0) {
			buf.writeBytes(ACK_KEY);
			writeUnsigned(buf, ack);
		}
		buf.writeByte(BREAK);
		return ByteBufPayload.create(buf);
	}

	/** @return the payload of an acknowledgement only: {@code {"ack": ack}} */
	Payload encodeAck(long ack) {
		ByteBuf buf = allocator.heapBuffer(16, 16);
		buf.writeByte(MAP_START);
		buf.writeBytes(ACK_KEY);
		writeUnsigned(buf, ack);
		buf.writeByte(BREAK);
		return ByteBufPayload.create(buf);
	}

	/**
	 * @return a payload without metadata holding the frame, in a pooled buffer that RSocket releases once written
	 * @throws PayloadTooLargeException if it exceeds {@code maxPayloadSize}, with {@link PayloadCodec}'s message
	 */
	Payload encode(SessionFrame frame) {
		return encode(frame, 0, -1);
	}

	/**
	 * @param seq the frame's number (1 or more), or 0 to write none
	 * @param ack the last number received, or -1 to write none
	 * @return {@link #encode(SessionFrame)}'s map with {@code seq} and {@code ack} after {@code data}
	 */
	Payload encode(SessionFrame frame, long seq, long ack) {
		byte[] data = frame.data();
		byte[] origin = frame.origin() == null ? null : frame.origin().toString().getBytes(StandardCharsets.UTF_8);
		int size = 1 + DATA_KEY.length + headLength(data.length) + data.length + 1
				+ (origin == null ? 0 : ORIGIN_KEY.length + headLength(origin.length) + origin.length)
				+ (seq > 0 ? SEQ_KEY.length + 9 : 0) + (ack >= 0 ? ACK_KEY.length + 9 : 0);
		if (size > maxPayloadSize) {
			throw new PayloadTooLargeException("Outbound payload of " + size + " bytes exceeds maxPayloadSize ("
					+ maxPayloadSize + " bytes)");
		}
		if (size > PIECE + 1) {
			return ByteBufPayload.create(pieces(origin, data, seq, ack));
		}
		// a heap buffer, as the baseline's payloads: the JDK's TLS engine reads heap arrays without a copy
		ByteBuf buf = allocator.heapBuffer(size, size);
		try {
			writeStart(buf, origin, data.length);
			buf.writeBytes(data);
			if (seq > 0) {
				buf.writeBytes(SEQ_KEY);
				writeUnsigned(buf, seq);
			}
			if (ack >= 0) {
				buf.writeBytes(ACK_KEY);
				writeUnsigned(buf, ack);
			}
			buf.writeByte(BREAK);
			return ByteBufPayload.create(buf);
		}
		catch (RuntimeException e) {
			buf.release();
			throw e;
		}
	}

	/**
	 * A large frame as a composite of pooled heap buffers of at most {@value #PIECE} bytes (+ 1 for the last, which
	 * ends with the break): the same bytes, in sizes the pooled allocator keeps and reuses. One buffer of the frame's
	 * size (up to 64 KiB and a few bytes, above the allocator's largest size class) was carved from a chunk made
	 * for it and not reused: 1.4 bytes allocated per byte sent in {@code BulkTransferBenchmark}. A TLS record holds
	 * 16 KiB, so the pieces are also what the TLS handler encrypts one at a time. The last piece also carries
	 * {@code seq} and {@code ack}, as {@link #encode(SessionFrame, long, long)} writes them after {@code data}.
	 */
	private ByteBuf pieces(byte[] origin, byte[] data, long seq, long ack) {
		int headerSize = 1 + DATA_KEY.length + headLength(data.length)
				+ (origin == null ? 0 : ORIGIN_KEY.length + headLength(origin.length) + origin.length);
		int tail = (seq > 0 ? SEQ_KEY.length + 9 : 0) + (ack >= 0 ? ACK_KEY.length + 9 : 0) + 1;
		int count = (data.length + PIECE - 1) / PIECE;
		CompositeByteBuf frame = allocator.compositeHeapBuffer(count + 1);
		try {
			// each buffer is added once written: a composite counts what its component held when added; added
			// at once, so that the composite releases it if anything after fails
			ByteBuf header = allocator.heapBuffer(headerSize, headerSize);
			writeStart(header, origin, data.length);
			frame.addComponent(true, header);
			for (int from = 0; from < data.length; from += PIECE) {
				int length = Math.min(PIECE, data.length - from);
				boolean last = from + length == data.length;
				ByteBuf piece = allocator.heapBuffer(length + (last ? tail : 0)).writeBytes(data, from, length);
				if (last) {
					if (seq > 0) {
						piece.writeBytes(SEQ_KEY);
						writeUnsigned(piece, seq);
					}
					if (ack >= 0) {
						piece.writeBytes(ACK_KEY);
						writeUnsigned(piece, ack);
					}
					piece.writeByte(BREAK);
				}
				frame.addComponent(true, piece);
			}
			return frame;
		}
		catch (RuntimeException e) {
			frame.release();
			throw e;
		}
	}

	private static void writeStart(ByteBuf buf, byte[] origin, int dataLength) {
		buf.writeByte(MAP_START);
		if (origin != null) {
			buf.writeBytes(ORIGIN_KEY);
			writeHead(buf, TEXT, origin.length);
			buf.writeBytes(origin);
		}
		buf.writeBytes(DATA_KEY);
		writeHead(buf, BYTES, dataLength);
	}

	/**
	 * Checks the payload's size before reading it, decodes it and releases it, in this order and exactly once.
	 *
	 * @param what what is being read, for the messages of a refused frame
	 * @throws PayloadTooLargeException if data plus metadata exceed {@code maxPayloadSize}
	 * @throws io.peercollab.InvalidRequestException if it is not a frame, naming the field
	 */
	SessionFrame decode(Payload payload, String what) {
		try {
			ByteBuf data = payload.sliceData();
			int size = data.readableBytes() + (payload.hasMetadata() ? payload.sliceMetadata().readableBytes() : 0);
			if (size > maxPayloadSize) {
				throw new PayloadTooLargeException("Payload of " + size + " bytes exceeds maxPayloadSize ("
						+ maxPayloadSize + " bytes)");
			}
			SessionFrame fast = read(data, data.readerIndex(), data.writerIndex(), true);
			return fast != null ? fast
					: PayloadCodec.decode(ByteBufUtil.getBytes(data), Wire.Frame.class, Wire.Frame::toDomain, what);
		}
		finally {
			payload.release();
		}
	}

	/**
	 * {@link #decode}, keeping the frame's {@code seq} and {@code ack} (PROTOCOL.md 5.8.1).
	 *
	 * @throws io.peercollab.InvalidRequestException if it is not a frame, or a number is out of its range
	 */
	Sequenced decodeSequenced(Payload payload, String what) {
		try {
			ByteBuf data = payload.sliceData();
			int size = data.readableBytes() + (payload.hasMetadata() ? payload.sliceMetadata().readableBytes() : 0);
			if (size > maxPayloadSize) {
				throw new PayloadTooLargeException("Payload of " + size + " bytes exceeds maxPayloadSize ("
						+ maxPayloadSize + " bytes)");
			}
			Sequenced fast = readSequenced(data);
			if (fast != null) {
				return fast;
			}
			Wire.Frame f = PayloadCodec.decode(ByteBufUtil.getBytes(data), Wire.Frame.class, w -> w, what);
			if (f.end() != null) {
				return new Sequenced(f.end(), f.ack() == null ? -1 : f.ack(), null, true);
			}
			return new Sequenced(f.seq() == null ? 0 : f.seq(), f.ack() == null ? -1 : f.ack(), f.toDomain());
		}
		finally {
			payload.release();
		}
	}

	/** @return the fast path's frame and numbers, or {@code null} if the bytes are not in a shape this class writes */
	private static Sequenced readSequenced(ByteBuf in) {
		int start = in.readerIndex();
		int end = in.writerIndex();
		// {"ack": n}
		if (end - start >= 2 + ACK_KEY.length && in.getUnsignedByte(start) == MAP_START
				&& matches(in, start + 1, end, ACK_KEY)) {
			int i = start + 1 + ACK_KEY.length;
			long head = readUnsigned(in, i, end);
			if (head == Long.MIN_VALUE) {
				return null;
			}
			i += (int) (head >>> 56);
			long ack = head & 0x00ff_ffff_ffff_ffffL;
			return i == end - 1 && in.getUnsignedByte(i) == BREAK ? new Sequenced(0, ack, null)
					: null;
		}
		// {"end": n, "ack"?: m}
		if (end - start >= 2 + END_KEY.length && in.getUnsignedByte(start) == MAP_START
				&& matches(in, start + 1, end, END_KEY)) {
			int i = start + 1 + END_KEY.length;
			long head = readUnsigned(in, i, end);
			if (head == Long.MIN_VALUE) {
				return null;
			}
			i += (int) (head >>> 56);
			long seq = head & 0x00ff_ffff_ffff_ffffL;
			long ack = -1;
			if (matches(in, i, end, ACK_KEY)) {
				long a = readUnsigned(in, i + ACK_KEY.length, end);
				if (a == Long.MIN_VALUE) {
					return null;
				}
				ack = a & 0x00ff_ffff_ffff_ffffL;
				i += ACK_KEY.length + (int) (a >>> 56);
			}
			// an end numbered 0 is left to the general decoder, which refuses it naming the field
			return seq >= 1 && i == end - 1 && in.getUnsignedByte(i) == BREAK ? new Sequenced(seq, ack, null, true)
					: null;
		}
		// the frame, then optional seq and ack before the break: find where the data ends
		int tail = end;
		long seq = 0;
		long ack = -1;
		int dataEnd = dataEnd(in, start, end);
		if (dataEnd < 0) {
			return null;
		}
		int i = dataEnd;
		if (matches(in, i, end, SEQ_KEY)) {
			long head = readUnsigned(in, i + SEQ_KEY.length, end);
			if (head == Long.MIN_VALUE) {
				return null;
			}
			seq = head & 0x00ff_ffff_ffff_ffffL;
			i += SEQ_KEY.length + (int) (head >>> 56);
		}
		if (matches(in, i, end, ACK_KEY)) {
			long head = readUnsigned(in, i + ACK_KEY.length, end);
			if (head == Long.MIN_VALUE) {
				return null;
			}
			ack = head & 0x00ff_ffff_ffff_ffffL;
			i += ACK_KEY.length + (int) (head >>> 56);
		}
		if (i != tail - 1 || in.getUnsignedByte(i) != BREAK || seq == 0 && ack < 0) {
			return null;
		}
		SessionFrame frame = read(in, start, dataEnd, false);
		return frame == null ? null : new Sequenced(seq, ack, frame);
	}

	/** @return the index just after the {@code data} value of a frame in this class's shape, or -1 */
	private static int dataEnd(ByteBuf in, int i, int end) {
		if (end - i < 1 + DATA_KEY.length + 2 || in.getUnsignedByte(i) != MAP_START) {
			return -1;
		}
		i++;
		if (matches(in, i, end, ORIGIN_KEY)) {
			i += ORIGIN_KEY.length;
			long head = readHead(in, i, end, TEXT);
			if (head < 0) {
				return -1;
			}
			i += (int) (head >>> 32) + (int) head;
		}
		if (!matches(in, i, end, DATA_KEY)) {
			return -1;
		}
		i += DATA_KEY.length;
		long head = readHead(in, i, end, BYTES);
		if (head < 0) {
			return -1;
		}
		i += (int) (head >>> 32) + (int) head;
		return i < end ? i : -1;
	}

	/**
	 * @return an unsigned integer (major type 0) below 2^56, with its head's length in the top byte, or
	 *     {@link Long#MIN_VALUE} if there is none
	 */
	private static long readUnsigned(ByteBuf in, int i, int end) {
		if (end - i < 1) {
			return Long.MIN_VALUE;
		}
		int b = in.getUnsignedByte(i);
		if ((b & 0xe0) != 0) {
			return Long.MIN_VALUE;
		}
		int info = b & 0x1f;
		long v;
		int n;
		if (info < 24) {
			v = info;
			n = 1;
		}
		else if (info == 24 && end - i >= 2) {
			v = in.getUnsignedByte(i + 1);
			n = 2;
		}
		else if (info == 25 && end - i >= 3) {
			v = in.getUnsignedShort(i + 1);
			n = 3;
		}
		else if (info == 26 && end - i >= 5) {
			v = in.getUnsignedInt(i + 1);
			n = 5;
		}
		else if (info == 27 && end - i >= 9) {
			v = in.getLong(i + 1);
			n = 9;
			if (v < 0 || v >>> 56 != 0) {
				return Long.MIN_VALUE;
			}
		}
		else {
			return Long.MIN_VALUE;
		}
		return (long) n << 56 | v;
	}

	private static void writeUnsigned(ByteBuf out, long v) {
		if (v < 24) {
			out.writeByte((int) v);
		}
		else if (v < 0x100) {
			out.writeByte(24);
			out.writeByte((int) v);
		}
		else if (v < 0x10000) {
			out.writeByte(25);
			out.writeShort((int) v);
		}
		else if (v < 0x1_0000_0000L) {
			out.writeByte(26);
			out.writeInt((int) v);
		}
		else {
			out.writeByte(27);
			out.writeLong(v);
		}
	}

	/** @return the frame, or {@code null} if the bytes are not in the shape this class writes */
	private static SessionFrame read(ByteBuf in, int i, int end, boolean withBreak) {
		if (end - i < 1 + DATA_KEY.length + 2 || in.getUnsignedByte(i) != MAP_START) {
			return null;
		}
		i++;
		PeerName origin = null;
		if (matches(in, i, end, ORIGIN_KEY)) {
			i += ORIGIN_KEY.length;
			long head = readHead(in, i, end, TEXT);
			if (head < 0) {
				return null;
			}
			i += (int) (head >>> 32);
			int length = (int) head;
			if (end - i < length) {
				return null;
			}
			try {
				origin = PeerName.parse(in.toString(i, length, StandardCharsets.UTF_8));
			}
			catch (IllegalArgumentException e) {
				return null;
			}
			i += length;
		}
		if (!matches(in, i, end, DATA_KEY)) {
			return null;
		}
		i += DATA_KEY.length;
		long head = readHead(in, i, end, BYTES);
		if (head < 0) {
			return null;
		}
		i += (int) (head >>> 32);
		int length = (int) head;
		if (withBreak ? end - i != length + 1 || in.getUnsignedByte(i + length) != BREAK : end - i != length) {
			return null;
		}
		byte[] data = new byte[length];
		in.getBytes(i, data);
		return new SessionFrame(origin, data);
	}

	private static boolean matches(ByteBuf in, int i, int end, byte[] expected) {
		if (end - i < expected.length) {
			return false;
		}
		for (int k = 0; k < expected.length; k++) {
			if (in.getByte(i + k) != expected[k]) {
				return false;
			}
		}
		return true;
	}

	/** @return the head's length in the high half and the length it gives in the low half, or -1 */
	private static long readHead(ByteBuf in, int i, int end, int major) {
		if (end - i < 1) {
			return -1;
		}
		int b = in.getUnsignedByte(i);
		if ((b & 0xe0) != major) {
			return -1;
		}
		int info = b & 0x1f;
		if (info < 24) {
			return 1L << 32 | info;
		}
		if (info == 24 && end - i >= 2) {
			return 2L << 32 | in.getUnsignedByte(i + 1);
		}
		if (info == 25 && end - i >= 3) {
			return 3L << 32 | in.getUnsignedShort(i + 1);
		}
		if (info == 26 && end - i >= 5) {
			long n = in.getUnsignedInt(i + 1);
			return n > Integer.MAX_VALUE ? -1 : 5L << 32 | n;
		}
		return -1;
	}

	private static int headLength(int length) {
		return length < 24 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
	}

	private static void writeHead(ByteBuf out, int major, int length) {
		if (length < 24) {
			out.writeByte(major | length);
		}
		else if (length < 0x100) {
			out.writeByte(major | 24);
			out.writeByte(length);
		}
		else if (length < 0x10000) {
			out.writeByte(major | 25);
			out.writeShort(length);
		}
		else {
			out.writeByte(major | 26);
			out.writeInt(length);
		}
	}
}
