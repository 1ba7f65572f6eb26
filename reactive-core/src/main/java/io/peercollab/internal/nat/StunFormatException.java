// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import io.peercollab.InvalidRequestException;

/**
 * A STUN message could not be read: a datagram that is no STUN message, or one with a malformed field. The message
 * and {@link #field()} name the field; a stranger's datagram that fails so is dropped, never thrown into a stream.
 */
final class StunFormatException extends InvalidRequestException {

	private static final long serialVersionUID = 1L;

	private final String field;

	StunFormatException(String field, String problem) {
		super("Malformed STUN message: " + field + ": " + problem);
		this.field = field;
	}

	/** @return the field that is malformed, such as {@code message length} or {@code XOR-MAPPED-ADDRESS} */
	String field() {
		return field;
	}
}
