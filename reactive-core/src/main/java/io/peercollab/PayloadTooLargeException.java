// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * A value is longer or larger than a limit of the protocol: a text over its length in characters (a presence text,
 * an invitation message, a nickname, a description), data over its size in bytes (an invitation's, an application's or
 * an object's data, a session message, a DHT record), or a payload on the wire over {@code maxPayloadSize}. The message
 * names the field and the limit, such as {@code message must be at most 255 characters, was 300}.
 *
 * <p>Value records ({@link PresenceInfo}, {@link PeerApplication}, {@link PeerObject}, ...) throw it from their
 * constructors; methods that return a publisher signal it through {@code onError}, before anything is sent.
 */
public class PayloadTooLargeException extends PeerCollabException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 */
	public PayloadTooLargeException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and, where possible, what to do about it
	 * @param cause the underlying failure
	 */
	public PayloadTooLargeException(String message, Throwable cause) {
		super(message, cause);
	}
}
