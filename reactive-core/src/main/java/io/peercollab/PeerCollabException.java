// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * Root of every error PeerCollab signals. Errors from the library arrive through {@code onError} as one of its
 * subtypes; each says what went wrong in words a user can act on.
 *
 * <p>One rule tells a typed error from a programming error. A limit of the protocol is a typed error whose message
 * names the field and the limit: a length or a size is a {@link PayloadTooLargeException}, a count or a rate a
 * {@link LimitExceededException}. A programming error (a {@code null}, a negative or zero duration, a malformed name or
 * e-mail address, a value out of its range such as port 0) is an {@link IllegalArgumentException} or a
 * {@link NullPointerException}. Value records check their fields in their constructors and throw; methods that
 * return a publisher signal through {@code onError}, except where their Javadoc says the check is made at the call.
 *
 * <p>Subtypes map one-to-one to the error codes of the wire protocol (see {@code rsocket-transport/PROTOCOL.md}), so a
 * remote peer's refusal arrives as the same type it was raised as.
 */
public class PeerCollabException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PeerCollabException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PeerCollabException(String message, Throwable cause) {
		super(message, cause);
	}
}
