package io.peercollab.internal;

import java.util.Objects;

/**
 * Argument checks shared by the model records. Each failure names the field and the limit, so that the message alone
 * tells the caller what to fix.
 */
public final class Checks {

	private Checks() {
	}

	/**
	 * @return {@code value}, or {@code ""} when it is {@code null}, after checking it holds at most {@code max}
	 * characters
	 */
	public static String text(String value, String field, int max) {
		String v = value == null ? "" : value;
		if (v.length() > max) {
			throw new IllegalArgumentException(
					field + " must be at most " + max + " characters, was " + v.length());
		}
		return v;
	}

	/**
	 * @return a copy of {@code value} (an empty array when {@code null}) after checking its length is within
	 * {@code [min, max]} bytes
	 */
	public static byte[] bytes(byte[] value, String field, int min, int max) {
		byte[] v = value == null ? new byte[0] : value.clone();
		if (v.length < min || v.length > max) {
			throw new IllegalArgumentException(field + " must be " + (min == 0 ? "at most " + max
					: "between " + min + " and " + max) + " bytes, was " + v.length);
		}
		return v;
	}

	/**
	 * @return {@code value} after checking it is not {@code null}
	 */
	public static <T> T notNull(T value, String field) {
		return Objects.requireNonNull(value, () -> field + " must not be null");
	}
}
