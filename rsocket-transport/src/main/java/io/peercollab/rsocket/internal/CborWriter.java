// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Writes the CBOR (RFC 8949) of a wire record by hand: definite-length maps, text and byte strings, integers; the
 * shapes {@link CborReader} reads. One exact-size array per encoding: the bytes are written to a per-thread scratch
 * buffer first, so nothing else is allocated for the common record (a data binder allocated a generator, its
 * contexts and buffers, and read each field reflectively).
 */
final class CborWriter {

	/** Scratch buffers larger than this are not kept for the next encoding on the thread. */
	private static final int KEEP_AT_MOST = 16 * 1024;

	private static final ThreadLocal<CborWriter> SCRATCH = ThreadLocal.withInitial(CborWriter::new);

	private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

	private byte[] buf = new byte[512];
	private int pos;

	private CborWriter() {
	}

	/** Something that writes itself as one CBOR item. */
	@FunctionalInterface
	interface Writable {
		void write(CborWriter w);
	}

	/** @return the CBOR of {@code item}, in an array of its exact size */
	static byte[] encode(Writable item) {
		CborWriter w = SCRATCH.get();
		if (w.pos != 0) {
			// re-entered on this thread (an item writing another encoding): use a writer of its own
			w = new CborWriter();
		}
		try {
			item.write(w);
			return Arrays.copyOf(w.buf, w.pos);
		}
		finally {
			w.pos = 0;
			if (w.buf.length > KEEP_AT_MOST) {
				w.buf = new byte[512];
			}
		}
	}

	/**
	 * Writes the CBOR of {@code item} into a buffer of {@code allocator} of its exact size, with no array of its own:
	 * the scratch buffer's bytes are copied once, into the buffer that goes to the network.
	 *
	 * @param limit the largest size accepted: a larger encoding takes no buffer
	 * @return a buffer the caller owns (reference count 1)
	 * @throws TooLarge if the encoding is larger than {@code limit}
	 */
	static ByteBuf encode(Writable item, ByteBufAllocator allocator, int limit) {
		CborWriter w = SCRATCH.get();
		if (w.pos != 0) {
			w = new CborWriter();
		}
		try {
			item.write(w);
			if (w.pos > limit) {
				throw new TooLarge(w.pos);
			}
			ByteBuf buf = allocator.heapBuffer(w.pos, w.pos);
			return buf.writeBytes(w.buf, 0, w.pos);
		}
		finally {
			w.pos = 0;
			if (w.buf.length > KEEP_AT_MOST) {
				w.buf = new byte[512];
			}
		}
	}

	/** An encoding larger than the limit it was given; the caller words the failure. */
	static final class TooLarge extends RuntimeException {

		private static final long serialVersionUID = 1L;

		/** The encoding's size in bytes. */
		final int size;

		TooLarge(int size) {
			super(null, null, false, false);
			this.size = size;
		}
	}

	/** Starts a map of {@code entries} key-value pairs. */
	CborWriter map(int entries) {
		head(5, entries);
		return this;
	}

	/** Writes a key and a text value, or nothing if {@code value} is {@code null}. */
	CborWriter text(String key, String value) {
		if (value != null) {
			text(key);
			text(value);
		}
		return this;
	}

	/** Writes a key and the canonical text of {@code value}, or nothing if it is {@code null}. */
	CborWriter uuid(String key, UUID value) {
		if (value != null) {
			text(key);
			head(3, 36);
			ensure(36);
			hex(value.getMostSignificantBits() >>> 32, 8);
			buf[pos++] = '-';
			hex(value.getMostSignificantBits() >>> 16, 4);
			buf[pos++] = '-';
			hex(value.getMostSignificantBits(), 4);
			buf[pos++] = '-';
			hex(value.getLeastSignificantBits() >>> 48, 4);
			buf[pos++] = '-';
			hex(value.getLeastSignificantBits(), 12);
		}
		return this;
	}

	/** Writes a key and a byte string, or nothing if {@code value} is {@code null}. */
	CborWriter bytes(String key, byte[] value) {
		if (value != null) {
			text(key);
			head(2, value.length);
			ensure(value.length);
			System.arraycopy(value, 0, buf, pos, value.length);
			pos += value.length;
		}
		return this;
	}

	/** Writes a key and an integer. */
	CborWriter integer(String key, long value) {
		text(key);
		if (value >= 0) {
			head(0, value);
		}
		else {
			head(1, -1 - value);
		}
		return this;
	}

	/** Writes a key, to be followed by its value. */
	CborWriter key(String key) {
		text(key);
		return this;
	}

	/** Writes a text string. */
	CborWriter text(String s) {
		int n = s.length();
		for (int i = 0; i < n; i++) {
			if (s.charAt(i) >= 0x80) {
				byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
				head(3, utf8.length);
				ensure(utf8.length);
				System.arraycopy(utf8, 0, buf, pos, utf8.length);
				pos += utf8.length;
				return this;
			}
		}
		head(3, n);
		ensure(n);
		for (int i = 0; i < n; i++) {
			buf[pos++] = (byte) s.charAt(i); // ASCII: one byte per char
		}
		return this;
	}

	private void hex(long bits, int digits) {
		for (int i = digits - 1; i >= 0; i--) {
			buf[pos + i] = HEX[(int) (bits & 0xf)];
			bits >>>= 4;
		}
		pos += digits;
	}

	private void head(int major, long argument) {
		ensure(9);
		int m = major << 5;
		if (argument < 24) {
			buf[pos++] = (byte) (m | argument);
		}
		else if (argument < 0x100) {
			buf[pos++] = (byte) (m | 24);
			buf[pos++] = (byte) argument;
		}
		else if (argument < 0x1_0000) {
			buf[pos++] = (byte) (m | 25);
			buf[pos++] = (byte) (argument >>> 8);
			buf[pos++] = (byte) argument;
		}
		else if (argument < 0x1_0000_0000L) {
			buf[pos++] = (byte) (m | 26);
			for (int shift = 24; shift >= 0; shift -= 8) {
				buf[pos++] = (byte) (argument >>> shift);
			}
		}
		else {
			buf[pos++] = (byte) (m | 27);
			for (int shift = 56; shift >= 0; shift -= 8) {
				buf[pos++] = (byte) (argument >>> shift);
			}
		}
	}

	private void ensure(int more) {
		if (buf.length - pos < more) {
			buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
		}
	}
}
