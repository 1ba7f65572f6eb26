// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A small CBOR writer (RFC 8949) for the fuzzer: unlike a data-binding mapper it writes whatever it is told, so it can
 * produce duplicate keys, integer keys, tags, simple values, half floats, definite and indefinite containers, and
 * length heads that lie.
 */
final class Cbor {

	/** Map entries in order, keys of any type, duplicates allowed. */
	record Entries(List<Map.Entry<Object, Object>> entries, boolean indefinite) {
	}

	/** An array, definite or indefinite. */
	record Array(List<Object> items, boolean indefinite) {
	}

	/** A tagged value. */
	record Tagged(long tag, Object value) {
	}

	/** A simple value (major type 7), such as 23 (undefined) or an unassigned one. */
	record Simple(int value) {
	}

	/** A half-precision float, given as its 16 bits. */
	record Half(int bits) {
	}

	/** Raw bytes written as they are. */
	record Raw(byte[] bytes) {
	}

	/** A text string whose bytes are given, so they may be invalid UTF-8. */
	record RawText(byte[] utf8) {
	}

	private Cbor() {
	}

	static byte[] encode(Object value) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(64);
		write(out, value);
		return out.toByteArray();
	}

	@SuppressWarnings("unchecked")
	static void write(ByteArrayOutputStream out, Object v) {
		if (v == null) {
			out.write(0xf6);
		}
		else if (v instanceof Boolean b) {
			out.write(b ? 0xf5 : 0xf4);
		}
		else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
			long n = ((Number) v).longValue();
			if (n >= 0) {
				head(out, 0, n);
			}
			else {
				head(out, 1, -1 - n);
			}
		}
		else if (v instanceof BigInteger big) {
			boolean negative = big.signum() < 0;
			byte[] magnitude = (negative ? big.negate().subtract(BigInteger.ONE) : big).toByteArray();
			head(out, 6, negative ? 3 : 2);
			head(out, 2, magnitude.length);
			out.writeBytes(magnitude);
		}
		else if (v instanceof Double d) {
			out.write(0xfb);
			long bits = Double.doubleToRawLongBits(d);
			for (int i = 7; i >= 0; i--) {
				out.write((int) (bits >>> (8 * i)));
			}
		}
		else if (v instanceof Float f) {
			out.write(0xfa);
			int bits = Float.floatToRawIntBits(f);
			for (int i = 3; i >= 0; i--) {
				out.write(bits >>> (8 * i));
			}
		}
		else if (v instanceof Half h) {
			out.write(0xf9);
			out.write(h.bits >>> 8);
			out.write(h.bits);
		}
		else if (v instanceof String s) {
			byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
			head(out, 3, bytes.length);
			out.writeBytes(bytes);
		}
		else if (v instanceof RawText t) {
			head(out, 3, t.utf8.length);
			out.writeBytes(t.utf8);
		}
		else if (v instanceof byte[] bytes) {
			head(out, 2, bytes.length);
			out.writeBytes(bytes);
		}
		else if (v instanceof Map<?, ?> map) {
			out.write(0xbf);
			for (Map.Entry<?, ?> e : map.entrySet()) {
				write(out, e.getKey());
				write(out, e.getValue());
			}
			out.write(0xff);
		}
		else if (v instanceof Entries m) {
			if (m.indefinite) {
				out.write(0xbf);
			}
			else {
				head(out, 5, m.entries.size());
			}
			for (Map.Entry<Object, Object> e : m.entries) {
				write(out, e.getKey());
				write(out, e.getValue());
			}
			if (m.indefinite) {
				out.write(0xff);
			}
		}
		else if (v instanceof List<?> list) {
			write(out, new Array((List<Object>) list, false));
		}
		else if (v instanceof Array a) {
			if (a.indefinite) {
				out.write(0x9f);
			}
			else {
				head(out, 4, a.items.size());
			}
			for (Object item : a.items) {
				write(out, item);
			}
			if (a.indefinite) {
				out.write(0xff);
			}
		}
		else if (v instanceof Tagged t) {
			head(out, 6, t.tag);
			write(out, t.value);
		}
		else if (v instanceof Simple s) {
			if (s.value < 24) {
				out.write(0xe0 | s.value);
			}
			else {
				out.write(0xf8);
				out.write(s.value);
			}
		}
		else if (v instanceof Raw r) {
			out.writeBytes(r.bytes);
		}
		else {
			throw new IllegalArgumentException("cannot write " + v.getClass());
		}
	}

	/** Writes a head: major type and argument, in the shortest form. */
	static void head(ByteArrayOutputStream out, int major, long argument) {
		int m = major << 5;
		if (argument >= 0 && argument < 24) {
			out.write(m | (int) argument);
		}
		else if (argument >= 0 && argument <= 0xff) {
			out.write(m | 24);
			out.write((int) argument);
		}
		else if (argument >= 0 && argument <= 0xffff) {
			out.write(m | 25);
			out.write((int) (argument >>> 8));
			out.write((int) argument);
		}
		else if (argument >= 0 && argument <= 0xffff_ffffL) {
			out.write(m | 26);
			for (int i = 3; i >= 0; i--) {
				out.write((int) (argument >>> (8 * i)));
			}
		}
		else {
			out.write(m | 27);
			for (int i = 7; i >= 0; i--) {
				out.write((int) (argument >>> (8 * i)));
			}
		}
	}
}
