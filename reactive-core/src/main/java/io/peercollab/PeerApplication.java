// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;


/**
 * An application this endpoint can be invited into, such as a whiteboard or a game. Peers learn of an application by
 * its id, description, data and scope; its launch details ({@code path}, {@code arguments}) stay on this machine
 * and are never sent to another peer.
 *
 * @param id the application's identifier, the same on every peer that runs it; never {@code null}
 * @param description at most {@value #MAX_DESCRIPTION_LENGTH} characters; {@code null} becomes {@code ""}
 * @param data at most {@value #MAX_DATA_LENGTH} bytes, copied on the way in and out; {@code null} becomes empty
 * @param scope who may see it; never {@code null}
 * @param path local only: the program that runs the application, or {@code ""}
 * @param arguments local only: its command-line arguments; {@code null} becomes empty
 */
public record PeerApplication(UUID id, String description, byte[] data, PeerScope scope, String path,
		List<String> arguments) {

	/** The longest description, in characters. */
	public static final int MAX_DESCRIPTION_LENGTH = 255;

	/** The largest application data, in bytes. */
	public static final int MAX_DATA_LENGTH = 16_384;

	/** The longest launch path, in characters. */
	public static final int MAX_PATH_LENGTH = 4_096;

	/**
	 * Validates the fields and copies {@code data} and {@code arguments}.
	 *
	 * @throws PayloadTooLargeException if {@code description} is longer than {@value #MAX_DESCRIPTION_LENGTH}
	 * characters, {@code data} larger than {@value #MAX_DATA_LENGTH} bytes or {@code path} longer than
	 * {@value #MAX_PATH_LENGTH} characters (the message names the field and the limit)
	 * @throws NullPointerException if {@code id} or {@code scope} is {@code null}
	 */
	public PeerApplication {
		Checks.notNull(id, "id");
		description = Checks.text(description, "description", MAX_DESCRIPTION_LENGTH);
		data = Checks.bytes(data, "data", 0, MAX_DATA_LENGTH);
		Checks.notNull(scope, "scope");
		path = Checks.text(path, "path", MAX_PATH_LENGTH);
		arguments = arguments == null ? List.of() : List.copyOf(arguments);
	}

	/**
	 * @return an application with no data and no launch details
	 */
	public static PeerApplication of(UUID id, String description, PeerScope scope) {
		return new PeerApplication(id, description, null, scope, null, null);
	}

	/** @return a copy of the application's data */
	@Override
	public byte[] data() {
		// an empty array has nothing to write: handed out as it is
		return data.length == 0 ? data : data.clone();
	}

	/** @return this application as another peer may see it: the same, without launch details */
	public PeerApplication withoutLaunchDetails() {
		return path.isEmpty() && arguments.isEmpty() ? this
				: new PeerApplication(id, description, data, scope, null, null);
	}

	/** @return a copy of this application with another scope */
	public PeerApplication withScope(PeerScope newScope) {
		return new PeerApplication(id, description, data, newScope, path, arguments);
	}

	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof PeerApplication other && id.equals(other.id) && description.equals(other.description)
				&& Arrays.equals(data, other.data) && scope == other.scope && path.equals(other.path)
				&& arguments.equals(other.arguments);
	}

	@Override
	public int hashCode() {
		return Objects.hash(id, description, Arrays.hashCode(data), scope, path, arguments);
	}

	@Override
	public String toString() {
		return "PeerApplication[id=" + id + ", description=" + description + ", data=" + data.length
				+ " bytes, scope=" + scope + "]";
	}
}
