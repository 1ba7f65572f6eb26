// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;

/**
 * Argument checks shared by the model records and the API, and offered to implementations of the SPIs (transports,
 * stores, resolvers) so that they refuse bad values with the same typed errors and messages. Each failure names the
 * field and the limit, so that the message alone tells the caller what to fix.
 *
 * <p>The one rule for errors: a value over a limit of the protocol is a typed error (a length or a size:
 * {@link PayloadTooLargeException}; a count: {@link LimitExceededException}); a programming error (a {@code null}, a
 * value below its minimum or out of its range, a malformed value) is an {@link IllegalArgumentException} or a
 * {@link NullPointerException}.
 */
public final class Checks {

	/**
	 * The empty byte array that {@link #bytes} returns for a missing or empty value, shared: it has no element to
	 * write, so records keep it without a copy of their own and hand it out as it is.
	 */
	public static final byte[] NO_BYTES = new byte[0];

	private Checks() {
	}

	/**
	 * @return {@code value}, or {@code ""} when it is {@code null}, after checking it holds at most {@code max}
	 * characters
	 * @throws PayloadTooLargeException if it is longer: "FIELD must be at most MAX characters, was LENGTH"
	 */
	public static String text(String value, String field, int max) {
		String v = value == null ? "" : value;
		if (v.length() > max) {
			throw new PayloadTooLargeException(field + " must be at most " + max + " characters, was " + v.length());
		}
		return v;
	}

	/**
	 * @return a copy of {@code value} (the shared {@link #NO_BYTES} when it is {@code null} or empty: an empty array
	 * cannot be written) after checking its length is within {@code [min, max]} bytes
	 * @throws PayloadTooLargeException if it is larger than {@code max}: "FIELD must be at most MAX bytes, was SIZE"
	 * @throws IllegalArgumentException if it is smaller than {@code min} (an empty value where one is required)
	 */
	public static byte[] bytes(byte[] value, String field, int min, int max) {
		byte[] v = value == null || value.length == 0 ? NO_BYTES : value.clone();
		size(v.length, field, max);
		if (v.length < min) {
			throw new IllegalArgumentException(field + " must hold at least " + min + (min == 1 ? " byte" : " bytes")
					+ ", was " + v.length);
		}
		return v;
	}

	/**
	 * Checks a size in bytes against its limit, without copying anything.
	 *
	 * @throws PayloadTooLargeException if {@code size > max}: "FIELD must be at most MAX bytes, was SIZE"
	 */
	public static void size(int size, String field, int max) {
		if (size > max) {
			throw new PayloadTooLargeException(field + " must be at most " + max + " bytes, was " + size);
		}
	}

	/**
	 * Checks a number of items against its limit.
	 *
	 * @throws LimitExceededException if {@code count > max}: "FIELD must hold at most MAX entries, was COUNT"
	 */
	public static void count(int count, String field, int max) {
		if (count > max) {
			throw new LimitExceededException(field + " must hold at most " + max + " entries, was " + count);
		}
	}

	/**
	 * @return {@code value} after checking it is not {@code null}
	 */
	public static <T> T notNull(T value, String field) {
		if (value == null) { // no message supplier: a lambda capturing the field would be made on every call
			throw new NullPointerException(field + " must not be null");
		}
		return value;
	}
}
