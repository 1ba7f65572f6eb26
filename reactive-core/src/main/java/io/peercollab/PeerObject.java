// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import org.jspecify.annotations.Nullable;


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
	 * The id of the user picture, the object the Windows Peer-to-Peer Collaboration API predefines for it
	 * ({@code PEER_COLLAB_OBJECTID_USER_PICTURE}): an image of the person, at most {@value #MAX_DATA_LENGTH} bytes.
	 * Publish it with {@link PeerCollaboration#setUserPicture} or {@link #userPicture}, remove it with
	 * {@link PeerCollaboration#clearUserPicture()}; {@link PeerCollaboration#deleteObject} refuses it.
	 */
	public static final UUID USER_PICTURE_ID = UUID.fromString("dd15f41f-fc4e-4922-b035-4c06a754d01d");

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

	/**
	 * The user picture object ({@link #USER_PICTURE_ID}) holding {@code image}.
	 *
	 * @param image the bytes of a PNG, JPEG, GIF, BMP or WebP image, at most {@value #MAX_DATA_LENGTH}
	 * @param scope who may see it
	 * @throws PayloadTooLargeException if {@code image} is larger than {@value #MAX_DATA_LENGTH} bytes
	 * @throws IllegalArgumentException if its first bytes are not those of one of these image formats
	 * @throws NullPointerException if {@code image} or {@code scope} is {@code null}
	 */
	public static PeerObject userPicture(byte[] image, PeerScope scope) {
		Checks.notNull(image, "image");
		Checks.size(image.length, "image", MAX_DATA_LENGTH);
		if (imageFormat(image) == null) {
			throw new IllegalArgumentException("image must be a PNG, JPEG, GIF, BMP or WebP image; its first bytes are "
					+ HexFormat.of().formatHex(image, 0, Math.min(image.length, 12))
					+ (image.length == 0 ? "(none)" : ""));
		}
		return new PeerObject(USER_PICTURE_ID, image, scope);
	}

	/** @return the image format whose signature {@code bytes} start with, or {@code null} */
	private static String imageFormat(byte[] b) {
		if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a)) {
			return "PNG";
		}
		if (startsWith(b, 0, 0xff, 0xd8, 0xff)) {
			return "JPEG";
		}
		if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
			return "GIF";
		}
		if (startsWith(b, 0, 'B', 'M') && b.length >= 26) {
			return "BMP";
		}
		if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
			return "WebP";
		}
		return null;
	}

	private static boolean startsWith(byte[] bytes, int at, int... signature) {
		if (bytes.length < at + signature.length) {
			return false;
		}
		for (int i = 0; i < signature.length; i++) {
			if ((bytes[at + i] & 0xff) != signature[i]) {
				return false;
			}
		}
		return true;
	}

	/** @return a copy of the object's data */
	@Override
	public byte[] data() {
		return data.clone();
	}

	@Override
	public boolean equals(@Nullable Object o) {
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
