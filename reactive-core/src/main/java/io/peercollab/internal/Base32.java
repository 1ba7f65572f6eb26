package io.peercollab.internal;

/**
 * Base-32 text of bytes: 5 bits per character, most significant bit first, no padding. Two alphabets are used: RFC
 * 4648's, lower case, for the authority of a {@code PeerName}, and z-base-32 (Zooko's), as Pkarr writes a public key
 * as a DNS label.
 */
public final class Base32 {

	/** RFC 4648's alphabet in lower case. */
	public static final Base32 RFC4648_LOWER = new Base32("abcdefghijklmnopqrstuvwxyz234567");

	/** z-base-32. */
	public static final Base32 Z_BASE_32 = new Base32("ybndrfg8ejkmcpqxot1uwisza345h769");

	private final char[] alphabet;

	private Base32(String alphabet) {
		this.alphabet = alphabet.toCharArray();
	}

	/**
	 * @param bytes the bytes to encode
	 * @return their text, {@code ceil(8 * length / 5)} characters
	 */
	public String encode(byte[] bytes) {
		StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
		int buffer = 0;
		int bits = 0;
		for (byte b : bytes) {
			buffer = (buffer << 8) | (b & 0xff);
			bits += 8;
			while (bits >= 5) {
				out.append(alphabet[(buffer >>> (bits - 5)) & 31]);
				bits -= 5;
			}
		}
		if (bits > 0) {
			out.append(alphabet[(buffer << (5 - bits)) & 31]);
		}
		return out.toString();
	}

	/**
	 * @param text text (case-insensitive) of a whole number of bytes
	 * @return the bytes it encodes; trailing bits that do not fill a byte are dropped
	 * @throws IllegalArgumentException if a character is not in the alphabet
	 */
	public byte[] decode(String text) {
		byte[] out = new byte[text.length() * 5 / 8];
		int buffer = 0;
		int bits = 0;
		int n = 0;
		for (int i = 0; i < text.length(); i++) {
			int v = indexOf(Character.toLowerCase(text.charAt(i)));
			if (v < 0) {
				throw new IllegalArgumentException("not a base-32 character of this alphabet: '" + text.charAt(i) + "'");
			}
			buffer = (buffer << 5) | v;
			bits += 5;
			if (bits >= 8) {
				out[n++] = (byte) (buffer >>> (bits - 8));
				bits -= 8;
			}
		}
		return out;
	}

	private int indexOf(char c) {
		for (int i = 0; i < alphabet.length; i++) {
			if (alphabet[i] == c) {
				return i;
			}
		}
		return -1;
	}
}
