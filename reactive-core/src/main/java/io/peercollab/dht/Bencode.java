// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.peercollab.PeerCollabException;

/**
 * Bencoding (BEP 3) as KRPC uses it, with limits, for datagrams from strangers. Decoded values are {@code byte[]}
 * (byte strings), {@link Long} (integers), {@link List} and {@link Map} (dictionaries, keyed by the key's bytes read
 * as ISO-8859-1, sorted: a {@link TreeMap} of such strings sorts as the raw bytes do, so encoding a decoded canonical
 * value gives back its bytes). Encoding takes the same types, plus {@link Integer} and {@link String} (as UTF-8
 * bytes).
 */
final class Bencode {

	/** The deepest nesting of lists and dictionaries a decoded value may have. */
	static final int MAX_DEPTH = 16;

	/** The longest input the decoder takes, in bytes: more than a UDP datagram of the DHT ever holds. */
	static final int MAX_INPUT = 8192;

	/** The most elements (list items plus dictionary entries) one decoded value may hold in all. */
	static final int MAX_ELEMENTS = 1024;

	private Bencode() {
	}

	/**
	 * A value that is not bencoding, or is over a limit; the message names the offset or the field and the limit.
	 */
	static final class BencodeException extends PeerCollabException {

		private static final long serialVersionUID = 1L;

		BencodeException(String message) {
			super(message);
		}
	}

	/**
	 * @return the bencoding of {@code value}
	 * @throws IllegalArgumentException if it holds a type bencoding has no form for
	 */
	static byte[] encode(Object value) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(64);
		write(out, value);
		return out.toByteArray();
	}

	private static void write(ByteArrayOutputStream out, Object value) {
		if (value instanceof byte[] bytes) {
			out.writeBytes(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
			out.write(':');
			out.writeBytes(bytes);
		}
		else if (value instanceof String s) {
			write(out, s.getBytes(StandardCharsets.UTF_8));
		}
		else if (value instanceof Long || value instanceof Integer) {
			out.write('i');
			out.writeBytes(value.toString().getBytes(StandardCharsets.US_ASCII));
			out.write('e');
		}
		else if (value instanceof List<?> list) {
			out.write('l');
			for (Object item : list) {
				write(out, item);
			}
			out.write('e');
		}
		else if (value instanceof Map<?, ?> map) {
			TreeMap<String, Object> sorted = new TreeMap<>();
			for (Map.Entry<?, ?> e : map.entrySet()) {
				if (!(e.getKey() instanceof String key)) {
					throw new IllegalArgumentException("a dictionary key must be a String, was " + e.getKey());
				}
				sorted.put(key, e.getValue());
			}
			out.write('d');
			for (Map.Entry<String, Object> e : sorted.entrySet()) {
				write(out, e.getKey().getBytes(StandardCharsets.ISO_8859_1));
				write(out, e.getValue());
			}
			out.write('e');
		}
		else {
			throw new IllegalArgumentException("bencoding has no form for " + (value == null ? "null"
					: value.getClass().getName()));
		}
	}

	/**
	 * Decodes one value that spans the whole input.
	 *
	 * @throws BencodeException if the input is not exactly one bencoded value within {@link #MAX_INPUT} bytes,
	 * {@link #MAX_DEPTH} levels and {@link #MAX_ELEMENTS} elements
	 */
	static Object decode(byte[] input) {
		if (input.length > MAX_INPUT) {
			throw new BencodeException("the input is " + input.length + " bytes, over the limit of " + MAX_INPUT);
		}
		Decoder d = new Decoder(input);
		Object value = d.value(0);
		if (d.pos != input.length) {
			throw new BencodeException((input.length - d.pos) + " bytes follow the value at offset " + d.pos);
		}
		return value;
	}

	/** @return the dictionary decoded from {@code input}, see {@link #decode} */
	@SuppressWarnings("unchecked")
	static Map<String, Object> decodeDictionary(byte[] input) {
		Object value = decode(input);
		if (!(value instanceof Map)) {
			throw new BencodeException("the message is not a dictionary");
		}
		return (Map<String, Object>) value;
	}

	/** @return a key's value as a string, a byte string read as ISO-8859-1 (for keys and ASCII fields) */
	static String latin1(byte[] bytes) {
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

	private static final class Decoder {

		private final byte[] in;

		private int pos;

		private int elements;

		Decoder(byte[] in) {
			this.in = in;
		}

		Object value(int depth) {
			if (pos >= in.length) {
				throw new BencodeException("the input ends at offset " + pos + " where a value was expected");
			}
			byte b = in[pos];
			if (b == 'i') {
				pos++;
				long v = number('e', "integer");
				return v;
			}
			if (b == 'l' || b == 'd') {
				if (depth >= MAX_DEPTH) {
					throw new BencodeException("nesting at offset " + pos + " is deeper than the limit of "
							+ MAX_DEPTH + " levels");
				}
				pos++;
				return b == 'l' ? list(depth + 1) : dictionary(depth + 1);
			}
			if (b >= '0' && b <= '9') {
				return bytes();
			}
			throw new BencodeException("unexpected byte 0x" + Integer.toHexString(b & 0xff) + " at offset " + pos);
		}

		private List<Object> list(int depth) {
			List<Object> list = new ArrayList<>();
			while (true) {
				if (pos >= in.length) {
					throw new BencodeException("a list is not terminated at offset " + pos);
				}
				if (in[pos] == 'e') {
					pos++;
					return Collections.unmodifiableList(list);
				}
				count();
				list.add(value(depth));
			}
		}

		private Map<String, Object> dictionary(int depth) {
			TreeMap<String, Object> map = new TreeMap<>();
			while (true) {
				if (pos >= in.length) {
					throw new BencodeException("a dictionary is not terminated at offset " + pos);
				}
				if (in[pos] == 'e') {
					pos++;
					return Collections.unmodifiableMap(map);
				}
				if (in[pos] < '0' || in[pos] > '9') {
					throw new BencodeException("a dictionary key at offset " + pos + " is not a byte string");
				}
				count();
				String key = latin1(bytes());
				if (map.containsKey(key)) {
					throw new BencodeException("the dictionary key \"" + key + "\" appears twice");
				}
				map.put(key, value(depth));
			}
		}

		private void count() {
			if (++elements > MAX_ELEMENTS) {
				throw new BencodeException("the value holds more than the limit of " + MAX_ELEMENTS + " elements");
			}
		}

		private byte[] bytes() {
			int start = pos;
			long length = number(':', "byte string length");
			if (length < 0) {
				throw new BencodeException("negative byte string length at offset " + start);
			}
			if (length > in.length - pos) {
				throw new BencodeException("the byte string at offset " + start + " says " + length
						+ " bytes but only " + (in.length - pos) + " follow");
			}
			byte[] out = new byte[(int) length];
			System.arraycopy(in, pos, out, 0, out.length);
			pos += out.length;
			return out;
		}

		private long number(char end, String what) {
			int start = pos;
			boolean negative = pos < in.length && in[pos] == '-';
			if (negative) {
				pos++;
			}
			int digitsStart = pos;
			long v = 0;
			while (pos < in.length && in[pos] != end) {
				byte c = in[pos];
				if (c < '0' || c > '9') {
					throw new BencodeException("the " + what + " at offset " + start + " has a non-digit");
				}
				if (pos - digitsStart >= 18) {
					throw new BencodeException("the " + what + " at offset " + start
							+ " is longer than the limit of 18 digits");
				}
				v = v * 10 + (c - '0');
				pos++;
			}
			if (pos >= in.length) {
				throw new BencodeException("the " + what + " at offset " + start + " is not terminated");
			}
			int digits = pos - digitsStart;
			if (digits == 0 || (digits > 1 && in[digitsStart] == '0') || (negative && in[digitsStart] == '0')) {
				throw new BencodeException("the " + what + " at offset " + start + " is not canonical");
			}
			pos++; // the terminator
			return negative ? -v : v;
		}
	}
}
