package io.peercollab;

import java.util.Arrays;
import java.util.UUID;


/**
 * A piece of data an endpoint publishes to the peers its scope reaches: a picture, a status card, a game's lobby
 * state. Setting an object with an existing id replaces it.
 *
 * @param id the object's identifier; never {@code null}
 * @param data between 1 and {@value #MAX_DATA_LENGTH} bytes, copied on the way in and out
 * @param scope who may see it; never {@code null}
 */
public record PeerObject(UUID id, byte[] data, PeerScope scope) {

	/** The largest object, in bytes. */
	public static final int MAX_DATA_LENGTH = 16_384;

	/**
	 * Validates the fields and copies {@code data}.
	 *
	 * @throws PayloadTooLargeException if {@code data} is larger than {@value #MAX_DATA_LENGTH} bytes
	 * @throws IllegalArgumentException if {@code data} is empty
	 * @throws NullPointerException if {@code id} or {@code scope} is {@code null}
	 */
	public PeerObject {
		Checks.notNull(id, "id");
		data = Checks.bytes(data, "data", 1, MAX_DATA_LENGTH);
		Checks.notNull(scope, "scope");
	}

	/** @return a copy of the object's data */
	@Override
	public byte[] data() {
		return data.clone();
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof PeerObject other && id.equals(other.id) && scope == other.scope
				&& Arrays.equals(data, other.data);
	}

	@Override
	public int hashCode() {
		return (id.hashCode() * 31 + scope.hashCode()) * 31 + Arrays.hashCode(data);
	}

	@Override
	public String toString() {
		return "PeerObject[id=" + id + ", data=" + data.length + " bytes, scope=" + scope + "]";
	}
}
