// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

import io.peercollab.PayloadTooLargeException;

/**
 * One STUN message (RFC 5389): its type, its 96-bit transaction id and the attributes a client needs, read and
 * written on the wire.
 *
 * <p>Attributes kept: XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, OTHER-ADDRESS (RFC 5780) and its RFC 3489 forerunner
 * CHANGED-ADDRESS, RESPONSE-ORIGIN, CHANGE-REQUEST, ERROR-CODE and SOFTWARE; for TURN (RFC 8656, RFC 6062) REALM,
 * NONCE, LIFETIME, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS, REQUESTED-TRANSPORT and CONNECTION-ID. FINGERPRINT is
 * checked when read and written on request; MESSAGE-INTEGRITY is written with a long-term key on request and checked
 * by {@link #integrityMatches}. Only the first attribute of a type counts (RFC 5389 section 15). Other comprehension-optional
 * attributes (0x8000-0xFFFF) are skipped; a comprehension-required one (0x0000-0x7FFF) this class does not know makes
 * the message unreadable, as RFC 5389 section 7.3 requires of a client. Attributes after MESSAGE-INTEGRITY, except
 * FINGERPRINT, are ignored (section 15.4).
 *
 * <p>{@link #decode(ByteBuffer)} is strict and bounded: a datagram over {@link #MAX_SIZE} bytes fails with
 * {@link PayloadTooLargeException}, anything malformed with {@link StunFormatException} naming the field; it reads
 * nothing beyond the datagram and keeps at most one value per attribute type.
 *
 * @param type the message type: method and class ({@link #BINDING_REQUEST}, {@link #BINDING_SUCCESS},
 * {@link #BINDING_ERROR})
 * @param transactionId the 12-byte transaction id
 * @param attributes the attributes by type, in the order read or to be written; values are
 * {@link InetSocketAddress} (the address attributes), {@link ChangeRequest}, {@link ErrorCode}, {@link String}
 * (SOFTWARE, USERNAME, REALM, NONCE) or {@link Integer} (LIFETIME, CONNECTION-ID, REQUESTED-TRANSPORT's protocol)
 */
record StunMessage(int type, byte[] transactionId, Map<Integer, Object> attributes) {

	/** The magic cookie, in every RFC 5389 message: it tells them from RFC 3489 ones. */
	static final int MAGIC_COOKIE = 0x2112A442;

	/** The largest datagram read: more than any binding response needs, and what a stranger can make us parse. */
	static final int MAX_SIZE = 1280;

	/** The header's size in bytes. */
	static final int HEADER_SIZE = 20;

	/** The longest SOFTWARE or ERROR-CODE reason, in bytes (RFC 5389: 763 bytes, fewer than 128 characters). */
	static final int MAX_TEXT = 763;

	static final int BINDING_REQUEST = 0x0001;

	static final int BINDING_SUCCESS = 0x0101;

	static final int BINDING_ERROR = 0x0111;

	static final int MAPPED_ADDRESS = 0x0001;

	static final int CHANGE_REQUEST = 0x0003;

	static final int CHANGED_ADDRESS = 0x0005;

	static final int MESSAGE_INTEGRITY = 0x0008;

	static final int ERROR_CODE = 0x0009;

	static final int XOR_MAPPED_ADDRESS = 0x0020;

	static final int SOFTWARE = 0x8022;

	/** TURN (RFC 8656) and TURN over TCP (RFC 6062) methods, as request types; see {@link #success} and {@link #error}. */
	static final int ALLOCATE = 0x0003;

	static final int REFRESH = 0x0004;

	static final int CREATE_PERMISSION = 0x0008;

	static final int CONNECT = 0x000A;

	static final int CONNECTION_BIND = 0x000B;

	/** The ConnectionAttempt indication (RFC 6062 section 4.4): a peer connected to the relayed address. */
	static final int CONNECTION_ATTEMPT_INDICATION = 0x001C;

	static final int USERNAME = 0x0006;

	static final int LIFETIME = 0x000D;

	static final int XOR_PEER_ADDRESS = 0x0012;

	static final int REALM = 0x0014;

	static final int NONCE = 0x0015;

	static final int XOR_RELAYED_ADDRESS = 0x0016;

	static final int REQUESTED_TRANSPORT = 0x0019;

	static final int CONNECTION_ID = 0x002A;

	/** REQUESTED-TRANSPORT's value for TCP (the IANA protocol number). */
	static final int TRANSPORT_TCP = 6;

	/** The size of the MESSAGE-INTEGRITY attribute, header included: an HMAC-SHA1. */
	private static final int INTEGRITY_SIZE = 24;

	static final int FINGERPRINT = 0x8028;

	static final int RESPONSE_ORIGIN = 0x802B;

	static final int OTHER_ADDRESS = 0x802C;

	private static final int FINGERPRINT_XOR = 0x5354554E;

	/**
	 * Comprehension-required attributes a server may send that this client knows and ignores: SOURCE-ADDRESS (RFC
	 * 3489), USERNAME, MESSAGE-INTEGRITY (checked by {@link #integrityMatches}), UNKNOWN-ATTRIBUTES, PADDING (RFC
	 * 5780), RESPONSE-PORT, and TURN's CHANNEL-NUMBER, DATA, EVEN-PORT, REQUESTED-ADDRESS-FAMILY, DONT-FRAGMENT,
	 * RESERVATION-TOKEN.
	 */
	private static final List<Integer> IGNORED_REQUIRED = List.of(0x0004, 0x0006, 0x0008, 0x000A, 0x0026, 0x0027,
			0x000C, 0x0013, 0x0018, 0x0017, 0x001A, 0x0022);

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final HexFormat HEX = HexFormat.of();

	/**
	 * CHANGE-REQUEST (RFC 5780): asks the server to answer from its other IP address, its other port, or both.
	 *
	 * @param changeIp answer from the other IP address
	 * @param changePort answer from the other port
	 */
	record ChangeRequest(boolean changeIp, boolean changePort) {

		/** Neither: the server answers from where it was asked. */
		static final ChangeRequest NONE = new ChangeRequest(false, false);
	}

	/**
	 * ERROR-CODE.
	 *
	 * @param code 300 to 699
	 * @param reason the server's reason phrase
	 */
	record ErrorCode(int code, String reason) {

		ErrorCode {
			if (code < 300 || code > 699) {
				throw new IllegalArgumentException("code must be from 300 to 699, was " + code);
			}
			Objects.requireNonNull(reason, "reason");
		}
	}

	/** Checks the fields and copies them. */
	StunMessage {
		if ((type & 0xC000) != 0) {
			throw new IllegalArgumentException("type must fit in 14 bits, was 0x" + Integer.toHexString(type));
		}
		Objects.requireNonNull(transactionId, "transactionId");
		if (transactionId.length != 12) {
			throw new IllegalArgumentException("transactionId must be 12 bytes, was " + transactionId.length);
		}
		transactionId = transactionId.clone();
		attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
	}

	/**
	 * A binding request with a fresh random transaction id.
	 *
	 * @param change the CHANGE-REQUEST to carry, or {@link ChangeRequest#NONE} for none
	 */
	static StunMessage bindingRequest(ChangeRequest change) {
		byte[] id = new byte[12];
		RANDOM.nextBytes(id);
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		if (!change.equals(ChangeRequest.NONE)) {
			attributes.put(CHANGE_REQUEST, change);
		}
		return new StunMessage(BINDING_REQUEST, id, attributes);
	}

	@Override
	public byte[] transactionId() {
		return transactionId.clone();
	}

	/** @return the transaction id as 24 lower-case hex digits: a key for pending transactions, and for messages */
	String transactionKey() {
		return HEX.formatHex(transactionId);
	}

	/** @return the value of an address attribute ({@link #XOR_MAPPED_ADDRESS} and the others), if present */
	Optional<InetSocketAddress> address(int attribute) {
		return attributes.get(attribute) instanceof InetSocketAddress a ? Optional.of(a) : Optional.empty();
	}

	/** @return the reflexive address: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS (RFC 3489 servers), if present */
	Optional<InetSocketAddress> mappedAddress() {
		return address(XOR_MAPPED_ADDRESS).or(() -> address(MAPPED_ADDRESS));
	}

	/** @return the server's other address: OTHER-ADDRESS, else CHANGED-ADDRESS (RFC 3489), if present */
	Optional<InetSocketAddress> otherAddress() {
		return address(OTHER_ADDRESS).or(() -> address(CHANGED_ADDRESS));
	}

	/** @return ERROR-CODE, if present */
	Optional<ErrorCode> errorCode() {
		return attributes.get(ERROR_CODE) instanceof ErrorCode e ? Optional.of(e) : Optional.empty();
	}

	/** @return SOFTWARE, if present */
	Optional<String> software() {
		return attributes.get(SOFTWARE) instanceof String s ? Optional.of(s) : Optional.empty();
	}

	/**
	 * Writes the message.
	 *
	 * @param fingerprint whether to end it with a FINGERPRINT attribute
	 * @return the datagram's bytes
	 */
	byte[] encode(boolean fingerprint) {
		return encode(null, fingerprint);
	}

	/**
	 * Writes the message, with MESSAGE-INTEGRITY (RFC 5389 section 15.4) when a key is given.
	 *
	 * @param integrityKey the HMAC-SHA1 key ({@link #longTermKey}), or {@code null} for no MESSAGE-INTEGRITY
	 * @param fingerprint whether to end it with a FINGERPRINT attribute
	 * @return the message's bytes
	 */
	byte[] encode(byte[] integrityKey, boolean fingerprint) {
		ByteBuffer out = ByteBuffer.allocate(MAX_SIZE);
		out.putShort((short) type).putShort((short) 0).putInt(MAGIC_COOKIE).put(transactionId);
		for (Map.Entry<Integer, Object> attribute : attributes.entrySet()) {
			int attributeType = attribute.getKey();
			byte[] value = encodeValue(attributeType, attribute.getValue());
			out.putShort((short) attributeType).putShort((short) value.length).put(value);
			out.position(out.position() + padding(value.length));
		}
		if (integrityKey != null) {
			// the HMAC covers the message up to the attribute, with a length that counts the attribute in
			out.putShort(2, (short) (out.position() - HEADER_SIZE + INTEGRITY_SIZE));
			byte[] hmac = hmacSha1(integrityKey, out.array(), out.position());
			out.putShort((short) MESSAGE_INTEGRITY).putShort((short) 20).put(hmac);
		}
		if (fingerprint) {
			out.putShort(2, (short) (out.position() - HEADER_SIZE + 8));
			CRC32 crc = new CRC32();
			crc.update(out.array(), 0, out.position());
			out.putShort((short) FINGERPRINT).putShort((short) 4).putInt((int) crc.getValue() ^ FINGERPRINT_XOR);
		}
		out.putShort(2, (short) (out.position() - HEADER_SIZE));
		return Arrays.copyOf(out.array(), out.position());
	}

	private byte[] encodeValue(int attributeType, Object value) {
		if (value instanceof InetSocketAddress a) {
			return encodeAddress(a, isXorAddress(attributeType));
		}
		if (value instanceof Integer i) {
			// LIFETIME, CONNECTION-ID: 32 bits; REQUESTED-TRANSPORT: the protocol, then 3 bytes RFFU
			return ByteBuffer.allocate(4).putInt(attributeType == REQUESTED_TRANSPORT ? i << 24 : i).array();
		}
		if (value instanceof ChangeRequest c) {
			return new byte[] {0, 0, 0, (byte) ((c.changeIp() ? 4 : 0) | (c.changePort() ? 2 : 0))};
		}
		if (value instanceof ErrorCode e) {
			byte[] reason = e.reason().getBytes(StandardCharsets.UTF_8);
			byte[] v = new byte[4 + reason.length];
			v[2] = (byte) (e.code() / 100);
			v[3] = (byte) (e.code() % 100);
			System.arraycopy(reason, 0, v, 4, reason.length);
			return v;
		}
		if (value instanceof String s) {
			return s.getBytes(StandardCharsets.UTF_8);
		}
		throw new IllegalArgumentException("cannot write " + name(attributeType) + " = " + value);
	}

	private byte[] encodeAddress(InetSocketAddress address, boolean xor) {
		byte[] ip = address.getAddress().getAddress();
		int port = address.getPort();
		if (xor) {
			port ^= MAGIC_COOKIE >>> 16;
			byte[] mask = xorMask();
			for (int i = 0; i < ip.length; i++) {
				ip[i] ^= mask[i];
			}
		}
		ByteBuffer v = ByteBuffer.allocate(4 + ip.length);
		v.put((byte) 0).put((byte) (ip.length == 4 ? 1 : 2)).putShort((short) port).put(ip);
		return v.array();
	}

	/** The XOR mask of an address: the magic cookie, then (for IPv6) the transaction id. */
	private byte[] xorMask() {
		return ByteBuffer.allocate(16).putInt(MAGIC_COOKIE).put(transactionId).array();
	}

	private static int padding(int length) {
		return (4 - (length & 3)) & 3;
	}

	/**
	 * Reads one datagram's message.
	 *
	 * @param datagram the datagram, from its position to its limit; its position is not moved
	 * @return the message
	 * @throws PayloadTooLargeException if the datagram is over {@link #MAX_SIZE} bytes
	 * @throws StunFormatException if it is not a well-formed STUN message; the message names the field
	 */
	static StunMessage decode(ByteBuffer datagram) {
		if (datagram.remaining() > MAX_SIZE) {
			throw new PayloadTooLargeException("A STUN datagram must be at most " + MAX_SIZE + " bytes, was "
					+ datagram.remaining());
		}
		ByteBuffer in = datagram.slice();
		int size = in.remaining();
		if (size < HEADER_SIZE) {
			throw new StunFormatException("header", "needs " + HEADER_SIZE + " bytes, the datagram has " + size);
		}
		int type = in.getShort(0) & 0xFFFF;
		if ((type & 0xC000) != 0) {
			throw new StunFormatException("message type", "the first two bits must be 0, type is 0x"
					+ Integer.toHexString(type));
		}
		int length = in.getShort(2) & 0xFFFF;
		if ((length & 3) != 0) {
			throw new StunFormatException("message length", "must be a multiple of 4, was " + length);
		}
		if (HEADER_SIZE + length != size) {
			throw new StunFormatException("message length", "says " + length + " bytes after the header, the datagram "
					+ "has " + (size - HEADER_SIZE));
		}
		if (in.getInt(4) != MAGIC_COOKIE) {
			throw new StunFormatException("magic cookie", "must be 0x2112a442, was 0x"
					+ Integer.toHexString(in.getInt(4)));
		}
		byte[] transactionId = new byte[12];
		in.get(8, transactionId);
		byte[] mask = ByteBuffer.allocate(16).putInt(MAGIC_COOKIE).put(transactionId).array();
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		boolean integrity = false;
		int at = HEADER_SIZE;
		while (at < size) {
			if (size - at < 4) {
				throw new StunFormatException("attribute header", "needs 4 bytes at offset " + at + ", "
						+ (size - at) + " left");
			}
			int attributeType = in.getShort(at) & 0xFFFF;
			int valueLength = in.getShort(at + 2) & 0xFFFF;
			String name = name(attributeType);
			int valueAt = at + 4;
			int next = valueAt + valueLength + padding(valueLength);
			if (next > size) {
				throw new StunFormatException(name, "its length " + valueLength + " (padded to a multiple of 4) runs "
						+ (next - size) + " bytes past the end of the message");
			}
			ByteBuffer value = in.slice(valueAt, valueLength);
			if (attributeType == FINGERPRINT) {
				checkFingerprint(in, at, value);
				if (next != size) {
					throw new StunFormatException("FINGERPRINT", "must be the last attribute, " + (size - next)
							+ " bytes follow it");
				}
			}
			else if (!integrity && !attributes.containsKey(attributeType)) {
				Object parsed = switch (attributeType) {
					case MAPPED_ADDRESS, CHANGED_ADDRESS, RESPONSE_ORIGIN, OTHER_ADDRESS ->
							decodeAddress(name, value, null);
					case XOR_MAPPED_ADDRESS, XOR_PEER_ADDRESS, XOR_RELAYED_ADDRESS -> decodeAddress(name, value, mask);
					case CHANGE_REQUEST -> decodeChangeRequest(value);
					case ERROR_CODE -> decodeErrorCode(value);
					case SOFTWARE, REALM, NONCE -> text(name, value);
					case LIFETIME, CONNECTION_ID, REQUESTED_TRANSPORT -> decodeInt(name, value);
					default -> {
						if (attributeType < 0x8000 && !IGNORED_REQUIRED.contains(attributeType)) {
							throw new StunFormatException(name, "an unknown comprehension-required attribute");
						}
						yield null;
					}
				};
				if (parsed != null) {
					attributes.put(attributeType, parsed);
				}
				integrity = attributeType == MESSAGE_INTEGRITY;
			}
			at = next;
		}
		return new StunMessage(type, transactionId, attributes);
	}

	private static void checkFingerprint(ByteBuffer message, int at, ByteBuffer value) {
		if (value.remaining() != 4) {
			throw new StunFormatException("FINGERPRINT", "must be 4 bytes, was " + value.remaining());
		}
		// the CRC covers the message up to the attribute, with a length that counts the attribute in (section 15.5)
		byte[] covered = new byte[at];
		message.get(0, covered);
		int length = at - HEADER_SIZE + 8;
		covered[2] = (byte) (length >> 8);
		covered[3] = (byte) length;
		CRC32 crc = new CRC32();
		crc.update(covered);
		int expected = (int) crc.getValue() ^ FINGERPRINT_XOR;
		if (value.getInt(0) != expected) {
			throw new StunFormatException("FINGERPRINT", "does not match the message: 0x"
					+ Integer.toHexString(value.getInt(0)) + ", expected 0x" + Integer.toHexString(expected));
		}
	}

	private static InetSocketAddress decodeAddress(String name, ByteBuffer value, byte[] mask) {
		if (value.remaining() < 4) {
			throw new StunFormatException(name, "must be 8 (IPv4) or 20 (IPv6) bytes, was " + value.remaining());
		}
		int family = value.get(1) & 0xFF;
		int ipLength = switch (family) {
			case 1 -> 4;
			case 2 -> 16;
			default -> throw new StunFormatException(name, "unknown address family " + family
					+ " (1 is IPv4, 2 is IPv6)");
		};
		if (value.remaining() != 4 + ipLength) {
			throw new StunFormatException(name, "must be " + (4 + ipLength) + " bytes for "
					+ (family == 1 ? "IPv4" : "IPv6") + ", was " + value.remaining());
		}
		int port = value.getShort(2) & 0xFFFF;
		byte[] ip = new byte[ipLength];
		value.get(4, ip);
		if (mask != null) {
			port ^= MAGIC_COOKIE >>> 16;
			for (int i = 0; i < ip.length; i++) {
				ip[i] ^= mask[i];
			}
		}
		InetAddress address;
		try {
			address = family == 1 ? Inet4Address.getByAddress(ip) : Inet6Address.getByAddress(null, ip, -1);
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e); // not reached: the length is right
		}
		return new InetSocketAddress(address, port);
	}

	private static Integer decodeInt(String name, ByteBuffer value) {
		if (value.remaining() != 4) {
			throw new StunFormatException(name, "must be 4 bytes, was " + value.remaining());
		}
		return value.getInt(0);
	}

	private static boolean isXorAddress(int attributeType) {
		return attributeType == XOR_MAPPED_ADDRESS || attributeType == XOR_PEER_ADDRESS
				|| attributeType == XOR_RELAYED_ADDRESS;
	}

	/**
	 * The long-term credential key (RFC 5389 section 15.4): MD5 of {@code username:realm:password}. SASLprep is not
	 * applied: names and passwords with characters it would change must be given in their prepared form.
	 */
	static byte[] longTermKey(String username, String realm, String password) {
		try {
			return java.security.MessageDigest.getInstance("MD5")
					.digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
		}
		catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has MD5", e);
		}
	}

	static byte[] hmacSha1(byte[] key, byte[] data, int length) {
		try {
			javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
			mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA1"));
			mac.update(data, 0, length);
			return mac.doFinal();
		}
		catch (java.security.GeneralSecurityException e) {
			throw new IllegalStateException("every Java runtime has HmacSHA1", e);
		}
	}

	/**
	 * Checks a message's MESSAGE-INTEGRITY against {@code key}.
	 *
	 * @param message a whole, well-formed message (as {@link #decode} accepted it), from its position; not moved
	 * @return {@code true} if it carries a MESSAGE-INTEGRITY that matches, {@code false} if it carries none
	 * @throws StunFormatException if it carries one that does not match, or one of the wrong size
	 */
	static boolean integrityMatches(ByteBuffer message, byte[] key) {
		ByteBuffer in = message.slice();
		int size = in.remaining();
		int at = HEADER_SIZE;
		while (at + 4 <= size) {
			int attributeType = in.getShort(at) & 0xFFFF;
			int valueLength = in.getShort(at + 2) & 0xFFFF;
			if (attributeType == MESSAGE_INTEGRITY) {
				if (valueLength != 20 || at + INTEGRITY_SIZE > size) {
					throw new StunFormatException("MESSAGE-INTEGRITY", "must be 20 bytes, was " + valueLength);
				}
				byte[] covered = new byte[at];
				in.get(0, covered);
				int length = at - HEADER_SIZE + INTEGRITY_SIZE;
				covered[2] = (byte) (length >> 8);
				covered[3] = (byte) length;
				byte[] expected = hmacSha1(key, covered, covered.length);
				byte[] found = new byte[20];
				in.get(at + 4, found);
				if (!java.security.MessageDigest.isEqual(expected, found)) {
					throw new StunFormatException("MESSAGE-INTEGRITY", "does not match the message and the "
							+ "credentials: the response was not sent by the server that knows them, or was changed");
				}
				return true;
			}
			at += 4 + valueLength + padding(valueLength);
		}
		return false;
	}

	/** @return the success response type of a request type */
	static int success(int requestType) {
		return (requestType & 0xFEEF) | 0x0100;
	}

	/** @return the error response type of a request type */
	static int error(int requestType) {
		return (requestType & 0xFEEF) | 0x0110;
	}

	/** @return a string attribute (SOFTWARE, REALM, NONCE), if present */
	Optional<String> text(int attribute) {
		return attributes.get(attribute) instanceof String s ? Optional.of(s) : Optional.empty();
	}

	/** @return a 32-bit attribute (LIFETIME, CONNECTION-ID), if present */
	Optional<Integer> integer(int attribute) {
		return attributes.get(attribute) instanceof Integer i ? Optional.of(i) : Optional.empty();
	}

	/**
	 * A request with a fresh random transaction id.
	 *
	 * @param type the request type ({@link #ALLOCATE} and the others)
	 * @param attributes its attributes, in order
	 */
	static StunMessage request(int type, Map<Integer, Object> attributes) {
		byte[] id = new byte[12];
		RANDOM.nextBytes(id);
		return new StunMessage(type, id, attributes);
	}

	private static ChangeRequest decodeChangeRequest(ByteBuffer value) {
		if (value.remaining() != 4) {
			throw new StunFormatException("CHANGE-REQUEST", "must be 4 bytes, was " + value.remaining());
		}
		int flags = value.getInt(0);
		return new ChangeRequest((flags & 4) != 0, (flags & 2) != 0);
	}

	private static ErrorCode decodeErrorCode(ByteBuffer value) {
		if (value.remaining() < 4) {
			throw new StunFormatException("ERROR-CODE", "needs at least 4 bytes, has " + value.remaining());
		}
		int errorClass = value.get(2) & 0x07;
		int number = value.get(3) & 0xFF;
		if (errorClass < 3 || errorClass > 6 || number > 99) {
			throw new StunFormatException("ERROR-CODE", "class must be from 3 to 6 and number from 0 to 99, were "
					+ errorClass + " and " + number);
		}
		return new ErrorCode(errorClass * 100 + number, text("ERROR-CODE reason", value.slice(4, value.remaining() - 4)));
	}

	private static String text(String name, ByteBuffer value) {
		if (value.remaining() > MAX_TEXT) {
			throw new StunFormatException(name, "must be at most " + MAX_TEXT + " bytes, was " + value.remaining());
		}
		try {
			CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(value);
			return chars.toString();
		}
		catch (CharacterCodingException e) {
			throw new StunFormatException(name, "is not valid UTF-8");
		}
	}

	/** @return an attribute type's name, for messages */
	static String name(int attributeType) {
		return switch (attributeType) {
			case MAPPED_ADDRESS -> "MAPPED-ADDRESS";
			case CHANGE_REQUEST -> "CHANGE-REQUEST";
			case CHANGED_ADDRESS -> "CHANGED-ADDRESS";
			case MESSAGE_INTEGRITY -> "MESSAGE-INTEGRITY";
			case ERROR_CODE -> "ERROR-CODE";
			case XOR_MAPPED_ADDRESS -> "XOR-MAPPED-ADDRESS";
			case USERNAME -> "USERNAME";
			case LIFETIME -> "LIFETIME";
			case XOR_PEER_ADDRESS -> "XOR-PEER-ADDRESS";
			case REALM -> "REALM";
			case NONCE -> "NONCE";
			case XOR_RELAYED_ADDRESS -> "XOR-RELAYED-ADDRESS";
			case REQUESTED_TRANSPORT -> "REQUESTED-TRANSPORT";
			case CONNECTION_ID -> "CONNECTION-ID";
			case SOFTWARE -> "SOFTWARE";
			case FINGERPRINT -> "FINGERPRINT";
			case RESPONSE_ORIGIN -> "RESPONSE-ORIGIN";
			case OTHER_ADDRESS -> "OTHER-ADDRESS";
			default -> String.format("attribute 0x%04x", attributeType);
		};
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof StunMessage m && type == m.type && Arrays.equals(transactionId, m.transactionId)
				&& attributes.equals(m.attributes);
	}

	@Override
	public int hashCode() {
		return Objects.hash(type, Arrays.hashCode(transactionId), attributes);
	}

	@Override
	public String toString() {
		return String.format("StunMessage[type=0x%04x, transactionId=%s, attributes=%s]", type, transactionKey(),
				new ArrayList<>(attributes.entrySet()).stream().map(e -> name(e.getKey()) + "=" + e.getValue()).toList());
	}
}
