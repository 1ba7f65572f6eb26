// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * How PeerCollab quotes a value in an error message, a diagnostic or a log line. The value is often untrusted (a
 * route, a card field, an mDNS name from the network) and can be of any length or hold characters that rewrite a
 * terminal, so every message quotes it through {@link #quote(String)}: at most {@value #MAX_QUOTED_LENGTH} characters,
 * without control or formatting characters. Transports and resolvers of third parties can use it to write their
 * messages the same way.
 *
 * <pre>{@code
 * throw new InvalidRequestException("Unknown route '" + MessageText.quote(path) + "'");
 * }</pre>
 */
public final class MessageText {

	/** The most characters of a value {@link #quote(String)} keeps; a longer value is cut and ends in "...". */
	public static final int MAX_QUOTED_LENGTH = 64;

	private MessageText() {
	}

	/**
	 * Returns {@code text} fit to stand in a message between quotes: control characters (line breaks, escape
	 * sequences), formatting characters (bidirectional overrides, zero-width joiners) and unpaired surrogates each
	 * become {@code ?}; a text longer than {@value #MAX_QUOTED_LENGTH} characters is cut to that many, never inside a
	 * surrogate pair, and followed by {@code ...}.
	 *
	 * @param text the value to quote; {@code null} becomes {@code "null"}
	 * @return the text to put in the message, without the quotation marks around it
	 */
	public static String quote(String text) {
		if (text == null) {
			return "null";
		}
		int end = Math.min(text.length(), MAX_QUOTED_LENGTH);
		if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))
				&& Character.isLowSurrogate(text.charAt(end))) {
			end--; // the pair stays whole: cut before it
		}
		StringBuilder out = new StringBuilder(end + 3);
		for (int i = 0; i < end; i++) {
			char c = text.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
				int codePoint = Character.toCodePoint(c, text.charAt(++i));
				if (Character.getType(codePoint) == Character.FORMAT) {
					out.append('?');
				}
				else {
					out.appendCodePoint(codePoint);
				}
			}
			else if (Character.isISOControl(c) || Character.isSurrogate(c)
					|| Character.getType(c) == Character.FORMAT) {
				out.append('?');
			}
			else {
				out.append(c);
			}
		}
		if (end < text.length()) {
			out.append("...");
		}
		return out.toString();
	}
}
