// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;

import io.peercollab.InvalidRequestException;
import io.peercollab.MessageText;

/**
 * Reads inbound CBOR (RFC 8949) strictly, so that what a peer sent wrong is told in the protocol's words: the field,
 * what was expected and what came. Every failure is an {@link InvalidRequestException} whose message has one of the
 * forms PROTOCOL.md section 4.2 lists ({@code malformed CBOR at byte N: ...}, {@code expected a CBOR map, got ...},
 * {@code missing field 'x'}, {@code field 'x': expected ..., got ...}); nothing of a decoder's internals or of Java
 * types ever reaches the other peer.
 *
 * <p>Why not a data-binding mapper: it coerces (text to numbers, base64 text to bytes), and its messages name Java
 * classes. This reader knows CBOR's own kinds, checks every declared length against the bytes present before it
 * allocates anything, bounds nesting at {@value #MAX_DEPTH} levels, refuses duplicate keys, non-text map keys and
 * invalid UTF-8, reads bignums (tags 2 and 3) as the integers they are, and keeps other tags, floats and simple values
 * only as their kind, which is all a wrong value needs.
 */
final class CborReader {

	/** Our maps nest three levels deep; anything much deeper is an attack on the stack, not a request. */
	static final int MAX_DEPTH = 16;

	/**
	 * The field names and constants of the protocol, by length: read as these very strings rather than as new ones,
	 * since every map of every request repeats them.
	 */
	private static final String[][] KNOWN = known(List.of("invitationId", "sessionId", "senderNickname",
			"application", "message", "data", "expiryMillis", "id", "description", "scope", "status", "text", "card",
			"afterVersion", "kind", "type", "version", "presence", "object", "synced", "origin", "applicationId",
			"maxPayloadSize", "maxInboundStreamsPerConnection", "instance"), io.peercollab.InvitationStatus.class,
			io.peercollab.PeerScope.class, io.peercollab.PresenceStatus.class, io.peercollab.ChangeType.class);

	private static String[][] known(List<String> names, Class<?>... enums) {
		List<String> all = new ArrayList<>(names);
		for (Class<?> e : enums) {
			for (Object c : e.getEnumConstants()) {
				all.add(((Enum<?>) c).name());
			}
		}
		int max = all.stream().mapToInt(String::length).max().orElse(0);
		String[][] byLength = new String[max + 1][];
		for (int n = 0; n <= max; n++) {
			int len = n;
			byLength[n] = all.stream().filter(k -> k.length() == len).distinct().toArray(String[]::new);
		}
		return byLength;
	}

	/** The names of each enum's constants, in order: {@link Class#getEnumConstants()} copies its array every call. */
	private static final ClassValue<String[]> CONSTANTS = new ClassValue<>() {
		@Override
		protected String[] computeValue(Class<?> type) {
			return Arrays.stream(type.getEnumConstants()).map(e -> ((Enum<?>) e).name()).toArray(String[]::new);
		}
	};

	private static final Kind NULL = new Kind("null");
	private static final Kind UNDEFINED = new Kind("undefined");
	private static final Kind FALSE = new Kind("a boolean");
	private static final Kind TRUE = new Kind("a boolean");
	private static final Kind FLOAT = new Kind("a floating-point number");
	private static final Object BREAK = new Object();

	/** The bytes read: {@code data[0 .. limit)}; what lies after {@code limit} is not this item's. */
	private final byte[] data;
	private final int limit;
	private int pos;

	private CborReader(byte[] data, int limit) {
		this.data = data;
		this.limit = limit;
	}

	/**
	 * Reads {@code data} as exactly one CBOR map with text keys, and nothing after it.
	 *
	 * @return the map's fields, for typed reading
	 * @throws InvalidRequestException if the data is empty, not well-formed CBOR, not a map, or followed by more data
	 */
	static Fields map(byte[] data) {
		return map(data, data.length);
	}

	/**
	 * As {@link #map(byte[])}, for the first {@code length} bytes of {@code data}: the rest is not looked at, and
	 * nothing read refers to {@code data} afterwards (texts and byte strings are copies), so the array may be reused.
	 */
	static Fields map(byte[] data, int length) {
		if (length == 0) {
			throw new InvalidRequestException("expected a CBOR map, got no data");
		}
		CborReader reader = new CborReader(data, length);
		Object value = reader.item(0);
		if (value == BREAK) {
			throw reader.malformed(0, "a \"break\" stop code outside an indefinite-length item");
		}
		if (reader.pos != length) {
			int extra = length - reader.pos;
			throw reader.malformed(reader.pos, extra + (extra == 1 ? " byte follows" : " bytes follow")
					+ " the end of the top-level item");
		}
		if (!(value instanceof FieldMap fields)) {
			throw new InvalidRequestException("expected a CBOR map, got " + kind(value));
		}
		return new Fields(fields, null, null);
	}

	// ----- decoding --------------------------------------------------------------------------------------------------

	/** @return the item at {@link #pos}, or {@link #BREAK} for a break stop code (the caller decides if it fits) */
	private Object item(int depth) {
		if (depth > MAX_DEPTH) {
			throw malformed(pos, "items nested more than " + MAX_DEPTH + " levels deep");
		}
		int start = pos;
		int initial = next(start, "an item");
		int major = initial >>> 5;
		int info = initial & 0x1f;
		if (info == 31) {
			return indefinite(major, start, depth);
		}
		if (major == 7) {
			return simple(info, start);
		}
		long argument = argument(info, start);
		return switch (major) {
			case 0 -> argument >= 0 ? (Object) argument : unsigned(argument);
			case 1 -> argument >= 0 ? (Object) (-1 - argument) : unsigned(argument).negate().subtract(BigInteger.ONE);
			case 2 -> bytes(argument, start, "a byte string");
			case 3 -> text(argument, start);
			case 4 -> definiteArray(argument, start, depth);
			case 5 -> definiteMap(argument, start, depth);
			default -> { // 6: a tag; its content must still be well-formed
				Object content = item(depth + 1);
				if (content == BREAK) {
					throw malformed(pos - 1, "a \"break\" stop code where the content of a tag was expected");
				}
				if ((argument == 2 || argument == 3) && content instanceof byte[] magnitude) {
					// a bignum is an integer (RFC 8949 section 3.4.3): some encoders write every BigInt so
					yield bignum(argument == 3, magnitude);
				}
				yield new Kind("a tagged value (tag " + Long.toUnsignedString(argument) + ")");
			}
		};
	}

	private Object indefinite(int major, int start, int depth) {
		switch (major) {
			case 2, 3 -> {
				java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
				while (true) {
					int chunkStart = pos;
					int initial = next(chunkStart, "a chunk of an indefinite-length string, or its break");
					if (initial == 0xff) {
						break;
					}
					if (initial >>> 5 != major || (initial & 0x1f) == 31) {
						throw malformed(chunkStart, "an indefinite-length " + (major == 2 ? "byte" : "text")
								+ " string may hold only definite-length chunks of its own kind");
					}
					byte[] chunk = bytes(argument(initial & 0x1f, chunkStart), chunkStart,
							major == 2 ? "a byte string" : "a text string");
					if (major == 3) {
						text(chunk, chunkStart); // each chunk is valid UTF-8 on its own
					}
					out.write(chunk, 0, chunk.length);
				}
				byte[] all = out.toByteArray();
				return major == 2 ? all : text(all, start);
			}
			case 4 -> {
				List<Object> items = new ArrayList<>();
				for (Object v = item(depth + 1); v != BREAK; v = item(depth + 1)) {
					items.add(v);
				}
				return items;
			}
			case 5 -> {
				FieldMap fields = new FieldMap();
				while (true) {
					int keyStart = pos;
					Object key = item(depth + 1);
					if (key == BREAK) {
						return fields;
					}
					entry(fields, key, keyStart, depth);
				}
			}
			case 7 -> {
				return BREAK;
			}
			default -> throw malformed(start, "additional information 31 (indefinite length) is not allowed for "
					+ (major == 6 ? "a tag" : "an integer"));
		}
	}

	private List<Object> definiteArray(long count, int start, int depth) {
		if (Long.compareUnsigned(count, limit - pos) > 0) {
			throw malformed(start, "an array of " + Long.toUnsignedString(count) + " items runs past the end of the "
					+ "data (" + limit + " bytes)");
		}
		List<Object> items = new ArrayList<>((int) count);
		for (long i = 0; i < count; i++) {
			int itemStart = pos;
			Object v = item(depth + 1);
			if (v == BREAK) {
				throw malformed(itemStart, "a \"break\" stop code inside a definite-length array");
			}
			items.add(v);
		}
		return items;
	}

	private FieldMap definiteMap(long count, int start, int depth) {
		if (Long.compareUnsigned(count, (limit - pos) / 2) > 0) {
			throw malformed(start, "a map of " + Long.toUnsignedString(count) + " entries runs past the end of the "
					+ "data (" + limit + " bytes)");
		}
		// sized from the header (bounded by the data left, checked above): no growth while reading
		FieldMap fields = new FieldMap((int) Math.min(count, FieldMap.PRESIZE_AT_MOST));
		for (long i = 0; i < count; i++) {
			int keyStart = pos;
			Object key = item(depth + 1);
			if (key == BREAK) {
				throw malformed(keyStart, "a \"break\" stop code inside a definite-length map");
			}
			entry(fields, key, keyStart, depth);
		}
		return fields;
	}

	private void entry(FieldMap fields, Object key, int keyStart, int depth) {
		if (!(key instanceof String name)) {
			throw malformed(keyStart, "map keys must be text strings, got " + kind(key));
		}
		int valueStart = pos;
		Object value = item(depth + 1);
		if (value == BREAK) {
			throw malformed(valueStart, "a \"break\" stop code where the value of key '" + MessageText.quote(name)
					+ "' was expected");
		}
		if (!fields.add(name, value)) {
			throw malformed(keyStart, "the key '" + MessageText.quote(name) + "' appears twice in one map");
		}
	}

	private Object simple(int info, int start) {
		return switch (info) {
			case 20 -> FALSE;
			case 21 -> TRUE;
			case 22 -> NULL;
			case 23 -> UNDEFINED;
			case 24 -> {
				int value = next(start, "a simple value");
				if (value < 32) {
					throw malformed(start, "a two-byte simple value below 32 (" + value + ")");
				}
				yield new Kind("a simple value");
			}
			case 25 -> skip(2, start, FLOAT);
			case 26 -> skip(4, start, FLOAT);
			case 27 -> skip(8, start, FLOAT);
			case 28, 29, 30 -> throw malformed(start, "reserved additional information " + info);
			default -> new Kind("a simple value"); // 0..19: unassigned, but well-formed
		};
	}

	private long argument(int info, int start) {
		if (info < 24) {
			return info;
		}
		int size = switch (info) {
			case 24 -> 1;
			case 25 -> 2;
			case 26 -> 4;
			case 27 -> 8;
			default -> throw malformed(start, "reserved additional information " + info);
		};
		if (limit - pos < size) {
			throw truncated(start, "inside the item's argument");
		}
		long value = 0;
		for (int i = 0; i < size; i++) {
			value = (value << 8) | (data[pos++] & 0xff);
		}
		return value;
	}

	private byte[] bytes(long length, int start, String kind) {
		if (Long.compareUnsigned(length, limit - pos) > 0) {
			throw malformed(start, kind + " of " + Long.toUnsignedString(length) + " bytes runs past the end of the "
					+ "data (" + limit + " bytes)");
		}
		byte[] out = Arrays.copyOfRange(data, pos, pos + (int) length);
		pos += (int) length;
		return out;
	}

	/** Reads a definite-length text string's bytes; ASCII, the common case, without a copy or a decoder. */
	private String text(long length, int start) {
		if (Long.compareUnsigned(length, limit - pos) > 0) {
			throw malformed(start, "a text string of " + Long.toUnsignedString(length) + " bytes runs past the end "
					+ "of the data (" + limit + " bytes)");
		}
		int from = pos;
		int to = from + (int) length;
		for (int i = from; i < to; i++) {
			if (data[i] < 0) {
				return text(bytes(length, start, "a text string"), start);
			}
		}
		pos = to;
		String known = known(from, to - from);
		return known != null ? known : new String(data, from, to - from, StandardCharsets.ISO_8859_1);
	}

	/** @return the protocol's text (a field name, a constant) these bytes spell, or {@code null} */
	private String known(int from, int length) {
		if (length >= KNOWN.length) {
			return null;
		}
		for (String k : KNOWN[length]) {
			int i = 0;
			while (i < length && data[from + i] == k.charAt(i)) {
				i++;
			}
			if (i == length) {
				return k;
			}
		}
		return null;
	}

	private String text(byte[] utf8, int start) {
		return text(ByteBuffer.wrap(utf8), start);
	}

	private String text(ByteBuffer utf8, int start) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(utf8)
					.toString();
		}
		catch (CharacterCodingException e) {
			throw malformed(start, "a text string that is not valid UTF-8");
		}
	}

	private Kind skip(int size, int start, Kind kind) {
		if (limit - pos < size) {
			throw truncated(start, "inside " + kind.name);
		}
		pos += size;
		return kind;
	}

	private int next(int start, String what) {
		if (pos >= limit) {
			throw truncated(start, pos == start ? "where " + what + " was expected" : "inside " + what);
		}
		return data[pos++] & 0xff;
	}

	/** @return the bignum's value, as a {@link Long} when it fits one */
	private static Object bignum(boolean negative, byte[] magnitude) {
		BigInteger n = new BigInteger(1, magnitude);
		if (negative) {
			n = n.negate().subtract(BigInteger.ONE);
		}
		return n.bitLength() < 64 ? (Object) n.longValue() : n;
	}

	private static BigInteger unsigned(long argument) {
		return new BigInteger(Long.toUnsignedString(argument));
	}

	private InvalidRequestException truncated(int start, String where) {
		return malformed(start, "the data ends after " + limit + " bytes, " + where);
	}

	private InvalidRequestException malformed(int at, String why) {
		return new InvalidRequestException("malformed CBOR at byte " + at + ": " + why);
	}

	/** @return whether {@code v} is 36 characters, 8-4-4-4-12 hex digits (either case) separated by hyphens */
	static boolean canonicalUuid(String v) {
		if (v.length() != 36) {
			return false;
		}
		for (int i = 0; i < 36; i++) {
			char c = v.charAt(i);
			boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-'
					: (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			if (!ok) {
				return false;
			}
		}
		return true;
	}

	// ----- reading fields ------------------------------------------------------------------------------------------

	/** @return the kind of a decoded value, in CBOR's words, for a message */
	static String kind(Object value) {
		if (value instanceof Long || value instanceof BigInteger) {
			return "an integer";
		}
		if (value instanceof String) {
			return "a text string";
		}
		if (value instanceof byte[]) {
			return "a byte string";
		}
		if (value instanceof List) {
			return "an array";
		}
		if (value instanceof FieldMap) {
			return "a map";
		}
		return ((Kind) value).name;
	}

	/**
	 * The entries of one decoded map, in the order read, without an entry object each: found by a linear scan while
	 * the map is small (every map of the protocol is), through a hash index once it holds more than
	 * {@value #LINEAR} entries, so that a stranger's map of thousands of keys costs no more than a hash map.
	 */
	static final class FieldMap {

		private static final int LINEAR = 16;

		/** The largest initial capacity taken from a map's header; a larger map grows as it is read. */
		static final int PRESIZE_AT_MOST = 64;

		private String[] keys;
		private Object[] values;
		private int size;
		private HashMap<String, Integer> index;

		/** A map whose size is not known beforehand (indefinite length). */
		FieldMap() {
			this(4);
		}

		/** @param expected how many entries the map's header announces (at least 1 slot is kept) */
		FieldMap(int expected) {
			keys = new String[Math.max(1, expected)];
			values = new Object[keys.length];
		}

		/** @return false, adding nothing, if {@code key} is already present */
		boolean add(String key, Object value) {
			if (find(key) >= 0) {
				return false;
			}
			if (size == keys.length) {
				keys = Arrays.copyOf(keys, size * 2);
				values = Arrays.copyOf(values, size * 2);
			}
			keys[size] = key;
			values[size] = value;
			size++;
			if (index != null) {
				index.put(key, size - 1);
			}
			else if (size > LINEAR) {
				index = new HashMap<>();
				for (int i = 0; i < size; i++) {
					index.put(keys[i], i);
				}
			}
			return true;
		}

		/** @return the value of {@code key}, or {@code null} if absent */
		Object get(String key) {
			int i = find(key);
			return i < 0 ? null : values[i];
		}

		private int find(String key) {
			if (index != null) {
				Integer i = index.get(key);
				return i == null ? -1 : i;
			}
			for (int i = 0; i < size; i++) {
				if (keys[i].equals(key)) {
					return i;
				}
			}
			return -1;
		}
	}

	/** A value this reader keeps only as its kind: a float, a boolean, null, undefined, a simple or tagged value. */
	private record Kind(String name) {
	}

	/**
	 * The fields of one decoded CBOR map. Getters of optional fields return {@code null} when the key is absent or
	 * its value is CBOR {@code null} or {@code undefined}; {@code required...} getters fail instead. Unknown keys are
	 * ignored (a later minor version may add fields). Field names in messages are paths from the payload's top-level
	 * map ({@code application.scope}).
	 */
	static final class Fields {

		private final FieldMap values;
		/** The map this one is the value of, and its key there; null for the top-level map. */
		private final Fields parent;
		private final String keyInParent;

		private Fields(FieldMap values, Fields parent, String keyInParent) {
			this.values = values;
			this.parent = parent;
			this.keyInParent = keyInParent;
		}

		/** @return the text string at {@code key}, or {@code null} */
		String text(String key) {
			Object v = optional(key);
			if (v == null || v instanceof String) {
				return (String) v;
			}
			throw wrongType(key, "a text string", v);
		}

		String requiredText(String key) {
			return present(key, text(key));
		}

		/** @return the byte string at {@code key}, or {@code null} */
		byte[] bytes(String key) {
			Object v = optional(key);
			if (v == null || v instanceof byte[]) {
				return (byte[]) v;
			}
			throw wrongType(key, "a byte string", v);
		}

		byte[] requiredBytes(String key) {
			return present(key, bytes(key));
		}

		/** @return the integer at {@code key}, which must fit a signed 64-bit integer, or {@code null} */
		Long integer(String key) {
			Object v = optional(key);
			if (v == null || v instanceof Long) {
				return (Long) v;
			}
			if (v instanceof BigInteger big) {
				throw invalid(key, "expected a signed 64-bit integer, got " + (big.bitLength() <= 128 ? big.toString()
						: "an integer of " + big.bitLength() + " bits"));
			}
			throw wrongType(key, "an integer", v);
		}

		long requiredInteger(String key) {
			return present(key, integer(key));
		}

		/** @return the integer at {@code key}, which must fit a signed 32-bit integer, or {@code null} */
		Integer int32(String key) {
			Long v = integer(key);
			if (v == null) {
				return null;
			}
			if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
				throw invalid(key, "expected a signed 32-bit integer, got " + v);
			}
			return v.intValue();
		}

		/** @return the canonical 36-character UUID text at {@code key} */
		String requiredUuid(String key) {
			String v = requiredText(key);
			if (!canonicalUuid(v)) {
				throw invalid(key, "expected a UUID (36 characters, 8-4-4-4-12 hex digits), got '"
						+ MessageText.quote(v) + "'");
			}
			return v;
		}

		/** @return the name of one of {@code type}'s constants, exactly as written at {@code key} */
		<E extends Enum<E>> String requiredConstant(String key, Class<E> type) {
			String v = requiredText(key);
			String[] names = CONSTANTS.get(type);
			for (String name : names) {
				if (name.equals(v)) {
					return name;
				}
			}
			throw invalid(key, "expected one of " + String.join(", ", names) + ", got '" + MessageText.quote(v)
					+ "'");
		}

		/** @return the map at {@code key} read by {@code reader}, or {@code null} */
		<T> T map(String key, Function<Fields, T> reader) {
			Object v = optional(key);
			if (v == null) {
				return null;
			}
			if (v instanceof FieldMap nested) {
				return reader.apply(new Fields(nested, this, key));
			}
			throw wrongType(key, "a map", v);
		}

		<T> T requiredMap(String key, Function<Fields, T> reader) {
			return present(key, map(key, reader));
		}

		/** @return a failure naming the field at {@code key}, saying {@code what} is wrong with its value */
		InvalidRequestException invalid(String key, String what) {
			return new InvalidRequestException("field '" + path(key) + "': " + what);
		}

		private Object optional(String key) {
			Object v = values.get(key);
			return v == NULL || v == UNDEFINED ? null : v;
		}

		private <T> T present(String key, T value) {
			if (value != null) {
				return value;
			}
			Object raw = values.get(key);
			if (raw == null) {
				throw new InvalidRequestException("missing field '" + path(key) + "'");
			}
			throw invalid(key, "a required field, got " + kind(raw));
		}

		private InvalidRequestException wrongType(String key, String expected, Object got) {
			return invalid(key, "expected " + expected + ", got " + kind(got));
		}

		private String path(String key) {
			// built only for a message: a nested map's path is not made while decoding
			return parent == null ? key : parent.path(keyInParent) + "." + key;
		}
	}
}
