package io.peercollab.internal.dht;

/**
 * z-base-32 (Zooko's human-oriented base-32), as Pkarr uses to write a public key as a DNS label: 5 bits per
 * character, most significant bit first, no padding.
 */
public final class ZBase32 {

	private static final char[] ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769".toCharArray();

	private ZBase32() {
	}

	/**
	 * @param bytes the bytes to encode
	 * @return their z-base-32 text, {@code ceil(8 * length / 5)} characters
	 */
	public static String encode(byte[] bytes) {
		StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
		int buffer = 0;
		int bits = 0;
		for (byte b : bytes) {
			buffer = (buffer << 8) | (b & 0xff);
			bits += 8;
			while (bits >= 5) {
				out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
				bits -= 5;
			}
		}
		if (bits > 0) {
			out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
		}
		return out.toString();
	}

	/**
	 * @param text z-base-32 text (case-insensitive) of a whole number of bytes
	 * @return the bytes it encodes; trailing bits that do not fill a byte are dropped
	 * @throws IllegalArgumentException if a character is not in the alphabet
	 */
	public static byte[] decode(String text) {
		byte[] out = new byte[text.length() * 5 / 8];
		int buffer = 0;
		int bits = 0;
		int n = 0;
		for (int i = 0; i < text.length(); i++) {
			int v = indexOf(Character.toLowerCase(text.charAt(i)));
			if (v < 0) {
				throw new IllegalArgumentException("not a z-base-32 character: '" + text.charAt(i) + "'");
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

	private static int indexOf(char c) {
		for (int i = 0; i < ALPHABET.length; i++) {
			if (ALPHABET[i] == c) {
				return i;
			}
		}
		return -1;
	}
}
