// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.util.Objects;

import io.peercollab.InvalidRequestException;
import org.jspecify.annotations.Nullable;

/**
 * A record found in the Mainline DHT that a resolver refused, and which check refused it: the
 * {@link io.peercollab.Diagnostic#cause() cause} of every {@link MainlineDht#RECORD_REFUSED} diagnostic. The checks
 * are those of {@code reactive-core/DHT-RECORD.md}, "Resolving".
 */
public final class RecordRefusedException extends InvalidRequestException {

	private static final long serialVersionUID = 1L;

	/** Which check of {@code DHT-RECORD.md} refused a record. */
	public enum Check {

		/** The item is stored under another key than the one looked up. */
		WRONG_KEY,

		/** The DNS packet is 1001 bytes or more (Pkarr's limit is on the packet). */
		TOO_LARGE,

		/** The BEP 44 value is not exactly one bencoded byte string. */
		MALFORMED_VALUE,

		/** The signature does not verify with the key over the sequence number and value. */
		BAD_SIGNATURE,

		/** The sequence number is lower than one this resolver already accepted for the key. */
		STALE,

		/** The sequence number (the publication time, in microseconds) is more than 2 hours in the past. */
		EXPIRED,

		/** The value is not a DNS packet. */
		MALFORMED_PACKET,

		/** A name of the packet ends in another Pkarr key than the one looked up. */
		WRONG_ORIGIN,

		/** The packet is a Pkarr record without PeerCollab's TXT {@code _peercollab}: nothing of PeerCollab here. */
		NO_PEERCOLLAB_RECORD,

		/** The packet's TXT {@code _peercollab} holds another protocol version than {@code v=1}. */
		UNKNOWN_VERSION
	}

	private final Check check;

	/**
	 * @param check the check that refused the record
	 * @param message what was seen, naming the field and the limit
	 * @throws NullPointerException if {@code check} is {@code null}
	 */
	public RecordRefusedException(Check check, String message) {
		this(check, message, null);
	}

	/**
	 * @param check the check that refused the record
	 * @param message what was seen, naming the field and the limit
	 * @param cause the underlying failure, or {@code null}
	 * @throws NullPointerException if {@code check} is {@code null}
	 */
	public RecordRefusedException(Check check, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.check = Objects.requireNonNull(check, "check");
	}

	/** @return the check that refused the record */
	public Check check() {
		return check;
	}
}
