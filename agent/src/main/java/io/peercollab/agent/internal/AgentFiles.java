// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

import io.peercollab.NotAuthorizedException;

/**
 * The agent's directory and what it holds: the socket or port file and the per-user secret, each readable by its
 * owner only. Where the file system has no POSIX permissions (Windows), the checks are skipped: the user's profile
 * directory is private there.
 */
public final class AgentFiles {

	/** The Unix domain socket. */
	public static final String SOCKET = "agent.sock";
	/** The loopback TCP port, as decimal text. */
	public static final String PORT = "agent.port";
	/** The per-user secret a client presents. */
	public static final String SECRET = "agent.secret";
	/** Held by the running agent, so that only one runs per directory. */
	public static final String LOCK = "agent.lock";
	/** The log of an agent started by an application. */
	public static final String LOG = "agent.log";

	private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
			PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
			PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

	private AgentFiles() {
	}

	/**
	 * Creates the directory {@code rwx------} or checks that an existing one is this user's and private.
	 *
	 * @throws NotAuthorizedException if it exists and belongs to another user or others may read it
	 */
	public static Path prepareDirectory(Path dir) throws IOException {
		if (!Files.exists(dir)) {
			Files.createDirectories(dir.getParent() == null ? dir : dir.getParent());
			if (posix(dir.getParent() == null ? dir : dir.getParent())) {
				Files.createDirectory(dir,
						PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
				// the umask may have taken bits away, never added them; set them exactly anyway
				Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
			}
			else {
				Files.createDirectory(dir);
			}
		}
		checkPrivate(dir);
		return dir;
	}

	/**
	 * Writes a new random secret, readable by the owner only, replacing any earlier one.
	 *
	 * @return the secret
	 */
	public static String writeSecret(Path dir) throws IOException {
		byte[] random = new byte[32];
		new SecureRandom().nextBytes(random);
		String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
		writePrivate(dir.resolve(SECRET), secret);
		return secret;
	}

	/** Writes {@code text} to {@code file}, {@code rw-------} from its creation on, replacing it atomically. */
	public static void writePrivate(Path file, String text) throws IOException {
		Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
		Files.deleteIfExists(tmp);
		if (posix(file.getParent())) {
			Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		}
		Files.writeString(tmp, text, StandardCharsets.UTF_8);
		Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	/**
	 * Reads a private file of the agent directory, after checking that the directory and the file are this user's and
	 * that no one else may read them.
	 *
	 * @throws NotAuthorizedException naming the file if others may read it or it belongs to another user
	 */
	public static String readPrivate(Path file) throws IOException {
		checkPrivate(file.getParent());
		checkPrivate(file);
		return Files.readString(file, StandardCharsets.UTF_8).trim();
	}

	/**
	 * @throws NotAuthorizedException if {@code path} belongs to another user or its group or others have any
	 * permission on it
	 */
	public static void checkPrivate(Path path) throws IOException {
		if (!posix(path)) {
			return;
		}
		PosixFileAttributes attrs = Files.getFileAttributeView(path, PosixFileAttributeView.class).readAttributes();
		UserPrincipal me = path.getFileSystem().getUserPrincipalLookupService()
				.lookupPrincipalByName(System.getProperty("user.name"));
		if (!attrs.owner().equals(me)) {
			throw new NotAuthorizedException(path + " belongs to " + attrs.owner().getName() + ", not to "
					+ me.getName() + ": the agent's files must be the user's own");
		}
		Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
		extra.addAll(attrs.permissions());
		extra.retainAll(OTHERS);
		if (!extra.isEmpty()) {
			throw new NotAuthorizedException(path + " is open to others ("
					+ PosixFilePermissions.toString(attrs.permissions()) + "): the agent's files must be "
					+ (attrs.isDirectory() ? "rwx------" : "rw-------"));
		}
	}

	/** Sets {@code rw-------} on a file, such as the socket once bound. */
	public static void makePrivate(Path file) throws IOException {
		if (posix(file)) {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
		}
	}

	private static boolean posix(Path path) {
		return path.getFileSystem().supportedFileAttributeViews().contains("posix");
	}
}
