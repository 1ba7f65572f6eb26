// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.peercollab.MessageText;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;

/**
 * Writes and reads what a PeerCollab endpoint announces over DNS-SD: its TXT record ({@code v} = protocol version,
 * {@code pn} = {@link PeerName}, {@code nn} = nickname, and, when not empty, {@code en} = endpoint name and
 * {@code mn} = machine name, each a length-prefixed {@code key=value} string as RFC 6763 section 6 describes) and its
 * service instance name. The endpoint and machine names are optional when read (older endpoints do not announce
 * them) and cut, when written, to the UTF-8 that fits one TXT string (252 bytes), at a character boundary.
 *
 * <p>Reading never throws: whatever arrives from the network is either a {@link Valid} announcement, a
 * {@link Malformed} one with the reason in words, or {@link Empty} when jmDNS has not received the TXT record yet.
 */
final class AnnouncementCodec {

	/** TXT key of the protocol version. */
	static final String KEY_VERSION = "v";

	/** TXT key of the announced {@link PeerName}. */
	static final String KEY_NAME = "pn";

	/** TXT key of the nickname. */
	static final String KEY_NICKNAME = "nn";

	/** TXT key of the endpoint name (optional). */
	static final String KEY_ENDPOINT_NAME = "en";

	/** TXT key of the machine name (optional). */
	static final String KEY_MACHINE_NAME = "mn";

	/** The longest DNS label, and so the longest service instance name, in bytes of UTF-8. */
	static final int MAX_INSTANCE_NAME_BYTES = 63;

	/** The longest string of a TXT record, in bytes (its length is one byte). */
	static final int MAX_TXT_STRING_BYTES = 255;

	private static final Empty EMPTY = new Empty();

	private AnnouncementCodec() {
	}

	/** What {@link #decode} made of a TXT record. */
	sealed interface Decoded permits Valid, Malformed, Empty {
	}

	/**
	 * A well-formed announcement.
	 *
	 * @param name the announced name
	 * @param nickname the announced nickname
	 * @param endPointName the announced endpoint name, or {@code ""}
	 * @param machineName the announced machine name, or {@code ""}
	 */
	record Valid(PeerName name, String nickname, String endPointName, String machineName) implements Decoded {
	}

	/**
	 * An announcement to ignore and report.
	 *
	 * @param reason what is wrong, in words a reader of the log understands
	 */
	record Malformed(String reason) implements Decoded {
	}

	/**
	 * No TXT data: jmDNS reports a service as resolved with an empty TXT record ({@code [0]}) before the real record
	 * arrives, so an empty record says "not known yet" rather than "wrong".
	 */
	record Empty() implements Decoded {
	}

	/**
	 * @return the TXT record announcing {@code announcement}
	 * @throws io.peercollab.PayloadTooLargeException if the name or nickname does not fit a TXT string of 255 bytes
	 */
	static byte[] encode(Announcement announcement) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(128);
		put(out, KEY_VERSION, Integer.toString(Announcement.PROTOCOL_VERSION));
		put(out, KEY_NAME, announcement.name().toString());
		put(out, KEY_NICKNAME, announcement.nickname());
		if (!announcement.endPointName().isEmpty()) {
			put(out, KEY_ENDPOINT_NAME, fit(KEY_ENDPOINT_NAME, announcement.endPointName()));
		}
		if (!announcement.machineName().isEmpty()) {
			put(out, KEY_MACHINE_NAME, fit(KEY_MACHINE_NAME, announcement.machineName()));
		}
		return out.toByteArray();
	}

	/** @return {@code value} cut at a character boundary to what fits one TXT string after {@code key=} */
	static String fit(String key, String value) {
		int max = MAX_TXT_STRING_BYTES - key.length() - 1;
		if (value.getBytes(StandardCharsets.UTF_8).length <= max) {
			return value;
		}
		int end = 0;
		int bytes = 0;
		while (end < value.length()) {
			int cp = value.codePointAt(end);
			int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
			if (bytes + n > max) {
				break;
			}
			bytes += n;
			end += Character.charCount(cp);
		}
		return value.substring(0, end);
	}

	private static void put(ByteArrayOutputStream out, String key, String value) {
		byte[] entry = (key + "=" + value).getBytes(StandardCharsets.UTF_8);
		if (entry.length > MAX_TXT_STRING_BYTES) {
			int max = MAX_TXT_STRING_BYTES - key.length() - 1;
			throw new io.peercollab.PayloadTooLargeException(describe(key) + " must be at most " + max
					+ " bytes of UTF-8 to be announced over mDNS, was " + (entry.length - key.length() - 1));
		}
		out.write(entry.length);
		out.write(entry, 0, entry.length);
	}

	/**
	 * Reads an announcement.
	 *
	 * @param text the raw TXT record, as {@code ServiceInfo.getTextBytes()} gives it; may be {@code null}
	 * @param port the port of the SRV record
	 * @return what the announcement says, or why it is ignored; never throws
	 */
	static Decoded decode(byte[] text, int port) {
		if (text == null || text.length == 0 || (text.length == 1 && text[0] == 0)) {
			return EMPTY;
		}
		Map<String, byte[]> entries = new LinkedHashMap<>();
		int i = 0;
		while (i < text.length) {
			int length = text[i] & 0xff;
			int start = i + 1;
			int end = start + length;
			if (end > text.length) {
				return new Malformed("its TXT record is truncated: a string of " + length + " bytes at offset " + i
						+ " runs past the end of the record (" + text.length + " bytes)");
			}
			i = end;
			if (length == 0) {
				continue;
			}
			int keyEnd = start;
			while (keyEnd < end && text[keyEnd] != '=') {
				keyEnd++;
			}
			if (keyEnd == start) {
				return new Malformed("its TXT record has a string with an empty key at offset " + (start - 1));
			}
			for (int k = start; k < keyEnd; k++) {
				int b = text[k] & 0xff;
				if (b < 0x20 || b > 0x7e) {
					return new Malformed(String.format(Locale.ROOT,
							"its TXT record has a key with the byte 0x%02x at offset %d; keys must be printable US-ASCII",
							b, k));
				}
			}
			// RFC 6763 section 6.4: keys compare case-insensitively.
			String key = new String(text, start, keyEnd - start, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
			byte[] value = keyEnd == end ? null : Arrays.copyOfRange(text, keyEnd + 1, end);
			if (entries.containsKey(key)) {
				return new Malformed("its TXT record has the key '" + MessageText.quote(key) + "' more than once");
			}
			entries.put(key, value);
		}

		List<String> missing = new ArrayList<>(3);
		for (String key : List.of(KEY_VERSION, KEY_NAME, KEY_NICKNAME)) {
			if (!entries.containsKey(key)) {
				missing.add(key);
			}
		}
		if (!missing.isEmpty()) {
			return new Malformed("its TXT record lacks the key" + (missing.size() > 1 ? "s " : " ")
					+ String.join(", ", missing) + " (it has " + (entries.isEmpty() ? "none"
							: MessageText.quote(String.join(", ", entries.keySet()))) + ")");
		}

		Object version = utf8(entries, KEY_VERSION);
		if (version instanceof Malformed m) {
			return m;
		}
		int v;
		try {
			v = Integer.parseInt((String) version);
		}
		catch (NumberFormatException e) {
			return new Malformed("its protocol version '" + MessageText.quote((String) version) + "' is not a number");
		}
		if (v != Announcement.PROTOCOL_VERSION) {
			return new Malformed("it speaks protocol version " + v + "; this endpoint speaks version "
					+ Announcement.PROTOCOL_VERSION);
		}

		Object nameText = utf8(entries, KEY_NAME);
		if (nameText instanceof Malformed m) {
			return m;
		}
		PeerName name;
		try {
			name = PeerName.parse((String) nameText);
		}
		catch (IllegalArgumentException e) {
			return new Malformed("its name '" + MessageText.quote((String) nameText) + "' is not a PeerName: "
					+ e.getMessage());
		}

		Object nickname = utf8(entries, KEY_NICKNAME);
		if (nickname instanceof Malformed m) {
			return m;
		}
		String nick = (String) nickname;
		if (nick.length() > Announcement.MAX_NICKNAME_LENGTH) {
			return new Malformed("its nickname is " + nick.length() + " characters long; at most "
					+ Announcement.MAX_NICKNAME_LENGTH + " are allowed");
		}

		if (port < 1 || port > 65535) {
			return new Malformed("it announces port " + port + "; a PeerCollab endpoint listens on 1 to 65535");
		}
		String[] names = new String[2];
		int slot = 0;
		for (String key : List.of(KEY_ENDPOINT_NAME, KEY_MACHINE_NAME)) {
			if (entries.containsKey(key)) {
				Object value = utf8(entries, key);
				if (value instanceof Malformed m) {
					return m;
				}
				names[slot] = (String) value;
			}
			slot++;
		}
		return new Valid(name, nick, names[0] == null ? "" : names[0], names[1] == null ? "" : names[1]);
	}

	/** @return the value of {@code key} as strictly decoded UTF-8, or a {@link Malformed} saying why it is not */
	private static Object utf8(Map<String, byte[]> entries, String key) {
		byte[] value = entries.get(key);
		if (value == null) {
			return new Malformed("its TXT key '" + key + "' has no value");
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(value))
					.toString();
		}
		catch (CharacterCodingException e) {
			return new Malformed("the value of its TXT key '" + key + "' is not valid UTF-8");
		}
	}

	/**
	 * Makes the service instance name of an endpoint: the classifier's letters and digits, a hyphen, the first eight
	 * characters of the authority ({@code 0} when unsecured), a hyphen and {@code unique}, cut to 63 bytes of UTF-8
	 * by shortening the classifier part. The name is a label for people browsing the network; what identifies the
	 * peer travels in the TXT record.
	 *
	 * @param name the endpoint's name
	 * @param unique what tells this endpoint's instance apart from every other one of the same name (several
	 * endpoints of one identity, on one interface or several)
	 */
	static String instanceName(PeerName name, String unique) {
		return instanceName(name, unique, true);
	}

	/**
	 * @return the service instance name of {@code announcement}: as {@link #instanceName(PeerName, String)}, with
	 * {@code peer} in place of the classifier unless {@link Announcement#classifierInLabel()}
	 */
	static String instanceName(Announcement announcement, String unique) {
		return instanceName(announcement.name(), unique, announcement.classifierInLabel());
	}

	private static String instanceName(PeerName name, String unique, boolean withClassifier) {
		String authority = name.isSecured() ? name.authority().substring(0, 8) : PeerName.UNSECURED_AUTHORITY;
		String tag = "-" + authority + "-" + unique;
		// Only letters, digits and single hyphens: jmDNS splits names on '.', and lower-cases them for its keys,
		// so anything fancier risks an instance that jmDNS cannot look up again.
		StringBuilder base = new StringBuilder();
		int budget = MAX_INSTANCE_NAME_BYTES - tag.getBytes(StandardCharsets.UTF_8).length;
		int used = 0;
		String classifier = withClassifier ? name.classifier() : "";
		for (int i = 0; i < classifier.length(); ) {
			int cp = classifier.codePointAt(i);
			i += Character.charCount(cp);
			String piece = Character.isLetterOrDigit(cp) ? new String(Character.toChars(cp))
					: base.length() == 0 || base.charAt(base.length() - 1) == '-' ? "" : "-";
			int bytes = piece.getBytes(StandardCharsets.UTF_8).length;
			if (used + bytes > budget) {
				break;
			}
			base.append(piece);
			used += bytes;
		}
		while (base.length() > 0 && base.charAt(base.length() - 1) == '-') {
			base.setLength(base.length() - 1);
		}
		return (base.length() == 0 ? "peer" : base.toString()) + tag;
	}

	private static String describe(String key) {
		return switch (key) {
			case KEY_NAME -> "name";
			case KEY_NICKNAME -> "nickname";
			case KEY_ENDPOINT_NAME -> "endPointName";
			case KEY_MACHINE_NAME -> "machineName";
			default -> key;
		};
	}
}
