// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;

/**
 * Reads a {@code peercollab.v1.invite} request in the shape {@link Wire.Invite#write} writes it straight into an
 * {@link InviteRequest}: no field maps, no wire records, and its three UUIDs parsed from their bytes instead of
 * through texts. Every other shape the protocol allows (keys in another order, unknown keys, nulls, definite or
 * indefinite lengths written otherwise, upper-case UUIDs, non-ASCII texts) and everything it refuses is left to the
 * generic reader ({@link CborReader}, {@link Wire.Invite#read}), which accepts or refuses it exactly as before, with
 * the same messages: this reader only ever answers "this is the request" or "not my shape".
 *
 * <p>The shape: a definite-length map of 4 to 7 entries, in this order: {@code invitationId} and {@code sessionId}
 * (lower-case canonical UUID texts), {@code senderNickname}? (text), {@code application} (a definite-length map:
 * {@code id}, {@code description}?, {@code data}?, {@code scope}), {@code message}? (text), {@code data}? (bytes),
 * {@code expiryMillis} (a positive integer); nothing after it. The domain records check their own limits, as they do
 * for the generic reader.
 */
final class InviteReader {

	private static final byte[] INVITATION_ID = key("invitationId");
	private static final byte[] SESSION_ID = key("sessionId");
	private static final byte[] SENDER_NICKNAME = key("senderNickname");
	private static final byte[] APPLICATION = key("application");
	private static final byte[] MESSAGE = key("message");
	private static final byte[] DATA = key("data");
	private static final byte[] EXPIRY_MILLIS = key("expiryMillis");
	private static final byte[] ID = key("id");
	private static final byte[] DESCRIPTION = key("description");
	private static final byte[] SCOPE = key("scope");
	private static final byte[] STATUS = key("status");
	/** The statuses an answer may carry, as {@link Wire.InviteAnswer#read} accepts them. */
	private static final InvitationStatus[] ANSWERS = { InvitationStatus.ACCEPTED, InvitationStatus.DECLINED,
			InvitationStatus.EXPIRED };
	private static final PeerScope[] SCOPES = PeerScope.values();

	private static final int BYTES = 2;
	private static final int TEXT = 3;
	private static final int MAP = 5;

	private final byte[] in;
	private final int limit;
	private int pos;
	/** The length of the string whose head {@link #head} read last. */
	private int length;

	private InviteReader(byte[] in, int limit) {
		this.in = in;
		this.limit = limit;
	}

	/**
	 * @return the request in {@code data[0 .. length)}, or {@code null} if it is not in the shape described above
	 * (then the generic reader decides); nothing returned refers to {@code data}
	 * @throws IllegalArgumentException or {@link io.peercollab.PeerCollabException} from the domain records' checks
	 */
	static InviteRequest read(byte[] data, int length) {
		return new InviteReader(data, length).invite();
	}

	/**
	 * Reads the answer to an invitation in the shape {@link Wire.InviteAnswer#write} writes it without an extended
	 * code: a definite-length map of {@code status} (ACCEPTED, DECLINED or EXPIRED) and {@code message}? (an ASCII
	 * text), nothing after it. No field map, no wire record, no status looked up by name.
	 *
	 * @return the answer in {@code data[0 .. length)}, or {@code null} if it is in another shape (then the generic
	 * reader decides, as for {@link #read})
	 */
	static InviteReply readAnswer(byte[] data, int length) {
		return new InviteReader(data, length).answer();
	}

	private InviteReply answer() {
		int entries = mapHead();
		if (entries < 1 || entries > 2 || !key(STATUS)) {
			return null;
		}
		InvitationStatus status = constant(ANSWERS);
		if (status == null) {
			return null;
		}
		String message = null;
		if (entries == 2 && (!key(MESSAGE) || (message = text()) == null)) {
			return null;
		}
		return pos == limit ? new InviteReply(status, message, null) : null;
	}

	private InviteRequest invite() {
		int entries = mapHead();
		if (entries < 4 || entries > 7) {
			return null;
		}
		int optional = entries - 4;
		UUID invitationId = key(INVITATION_ID) ? uuid() : null;
		UUID sessionId = invitationId != null && key(SESSION_ID) ? uuid() : null;
		if (sessionId == null) {
			return null;
		}
		String nickname = null;
		if (optional > 0 && key(SENDER_NICKNAME)) {
			if ((nickname = text()) == null) {
				return null;
			}
			optional--;
		}
		PeerApplication application = key(APPLICATION) ? application() : null;
		if (application == null) {
			return null;
		}
		String message = null;
		if (optional > 0 && key(MESSAGE)) {
			if ((message = text()) == null) {
				return null;
			}
			optional--;
		}
		byte[] data = null;
		if (optional > 0 && key(DATA)) {
			if ((data = bytes()) == null) {
				return null;
			}
			optional--;
		}
		if (optional != 0 || !key(EXPIRY_MILLIS)) {
			return null;
		}
		long expiry = positiveInteger();
		if (expiry <= 0 || pos != limit) {
			return null;
		}
		return new InviteRequest(invitationId, sessionId, nickname, application, message, data,
				Duration.ofMillis(expiry));
	}

	private PeerApplication application() {
		int entries = mapHead();
		if (entries < 2 || entries > 4) {
			return null;
		}
		int optional = entries - 2;
		UUID id = key(ID) ? uuid() : null;
		if (id == null) {
			return null;
		}
		String description = null;
		if (optional > 0 && key(DESCRIPTION)) {
			if ((description = text()) == null) {
				return null;
			}
			optional--;
		}
		byte[] data = null;
		if (optional > 0 && key(DATA)) {
			if ((data = bytes()) == null) {
				return null;
			}
			optional--;
		}
		if (optional != 0 || !key(SCOPE)) {
			return null;
		}
		PeerScope scope = scope();
		return scope == null ? null : new PeerApplication(id, description, data, scope, null, null);
	}

	/** @return the number of entries of a definite-length map of fewer than 24 entries here, or -1 */
	private int mapHead() {
		if (pos >= limit) {
			return -1;
		}
		int b = in[pos] & 0xff;
		if (b >>> 5 != MAP || (b & 0x1f) >= 24) {
			return -1;
		}
		pos++;
		return b & 0x1f;
	}

	/** @return whether the encoded key {@code k} is here, moving past it if so */
	private boolean key(byte[] k) {
		if (limit - pos < k.length || !Arrays.equals(in, pos, pos + k.length, k, 0, k.length)) {
			return false;
		}
		pos += k.length;
		return true;
	}

	/** Reads the head of a definite-length string of {@code major} type that fits the data into {@link #length}. */
	private boolean head(int major) {
		if (pos >= limit) {
			return false;
		}
		int b = in[pos] & 0xff;
		int info = b & 0x1f;
		if (b >>> 5 != major) {
			return false;
		}
		int n;
		int size;
		if (info < 24) {
			n = info;
			size = 1;
		}
		else if (info == 24 && limit - pos >= 2) {
			n = in[pos + 1] & 0xff;
			size = 2;
		}
		else if (info == 25 && limit - pos >= 3) {
			n = (in[pos + 1] & 0xff) << 8 | in[pos + 2] & 0xff;
			size = 3;
		}
		else if (info == 26 && limit - pos >= 5) {
			long v = (in[pos + 1] & 0xffL) << 24 | (in[pos + 2] & 0xff) << 16 | (in[pos + 3] & 0xff) << 8
					| in[pos + 4] & 0xff;
			if (v > Integer.MAX_VALUE) {
				return false;
			}
			n = (int) v;
			size = 5;
		}
		else {
			return false;
		}
		if (limit - pos - size < n) {
			return false;
		}
		pos += size;
		length = n;
		return true;
	}

	/** @return an ASCII text, or {@code null} (other texts are the generic reader's, which checks their UTF-8) */
	private String text() {
		if (!head(TEXT)) {
			return null;
		}
		for (int i = pos; i < pos + length; i++) {
			if (in[i] < 0) {
				return null;
			}
		}
		String s = new String(in, pos, length, StandardCharsets.ISO_8859_1);
		pos += length;
		return s;
	}

	private byte[] bytes() {
		if (!head(BYTES)) {
			return null;
		}
		byte[] b = new byte[length];
		System.arraycopy(in, pos, b, 0, length);
		pos += length;
		return b;
	}

	/** @return a lower-case canonical UUID (8-4-4-4-12 hex digits), or {@code null} */
	private UUID uuid() {
		if (!head(TEXT) || length != 36) {
			return null;
		}
		int p = pos;
		if (in[p + 8] != '-' || in[p + 13] != '-' || in[p + 18] != '-' || in[p + 23] != '-') {
			return null;
		}
		// each group read at its fixed place; a byte that is not a lower-case hex digit makes its group negative
		long a = hex(p, 8);
		long b = hex(p + 9, 4);
		long c = hex(p + 14, 4);
		long d = hex(p + 19, 4);
		long e = hex(p + 24, 12);
		if ((a | b | c | d | e) < 0) {
			return null;
		}
		pos += 36;
		return new UUID(a << 32 | b << 16 | c, d << 48 | e);
	}

	/** The value of each lower-case hex digit by its byte, and -1 for every other byte. */
	private static final int[] DIGITS = new int[256];

	static {
		Arrays.fill(DIGITS, -1);
		for (int i = 0; i < 16; i++) {
			DIGITS["0123456789abcdef".charAt(i)] = i;
		}
	}

	/** @return the value of the {@code count} (at most 15) hex digits at {@code from}, or a negative number */
	private long hex(int from, int count) {
		long v = 0;
		int bad = 0;
		for (int i = from; i < from + count; i++) {
			int digit = DIGITS[in[i] & 0xff];
			bad |= digit;
			v = v << 4 | digit & 0xf;
		}
		return bad < 0 ? -1 : v;
	}

	private PeerScope scope() {
		return constant(SCOPES);
	}

	/** @return the constant among {@code values} whose name is the text here, or {@code null} */
	private <E extends Enum<E>> E constant(E[] values) {
		if (!head(TEXT)) {
			return null;
		}
		for (E s : values) {
			String name = s.name();
			if (name.length() == length) {
				int i = 0;
				while (i < length && in[pos + i] == name.charAt(i)) {
					i++;
				}
				if (i == length) {
					pos += length;
					return s;
				}
			}
		}
		return null;
	}

	/** @return an unsigned integer that fits a positive {@code long}, or -1 */
	private long positiveInteger() {
		if (pos >= limit) {
			return -1;
		}
		int b = in[pos] & 0xff;
		if (b >>> 5 != 0) {
			return -1;
		}
		int info = b & 0x1f;
		int size = info < 24 ? 0 : info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : -1;
		if (size < 0 || limit - pos - 1 < size) {
			return -1;
		}
		long v = size == 0 ? info : 0;
		for (int i = 1; i <= size; i++) {
			v = v << 8 | (in[pos + i] & 0xff);
		}
		pos += 1 + size;
		return v;
	}

	/** @return the encoding of a text key shorter than 24 bytes (every key above) */
	private static byte[] key(String name) {
		byte[] k = new byte[name.length() + 1];
		k[0] = (byte) (0x60 | name.length());
		System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, k, 1, name.length());
		return k;
	}
}
