// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

import io.peercollab.identity.PeerName;
import org.jspecify.annotations.Nullable;

/**
 * Something the library noticed and did not let through: a malformed announcement, a peer near me whose key did not
 * match the name it announced, a refused request or connection. Emitted by {@link PeerCollaboration#diagnostics()}
 * and logged at WARN (at most a few lines per source and minute; the rest are counted in one "suppressed" line).
 *
 * <p>{@code peer}, {@code address} and {@code cause} are {@code null} when unknown: a connection refused before its
 * TLS handshake has an address but no proven name; a malformed mDNS announcement has neither.
 *
 * @param time when it was noticed
 * @param kind what it is
 * @param message what was seen and what was done about it, for a person to read
 * @param peer the remote peer's name as proven by its key, or {@code null} if none was proven
 * @param address the remote address it came from, or {@code null} if unknown
 * @param cause why it was refused, as the typed exception the remote side was sent or would have been sent (for
 * example {@link LimitExceededException} naming the limit), or {@code null}
 */
public record Diagnostic(Instant time, Kind kind, String message, @Nullable PeerName peer,
		@Nullable PeerAddress address, @Nullable Throwable cause) {

	/**
	 * @throws NullPointerException if {@code time}, {@code kind} or {@code message} is {@code null}
	 */
	public Diagnostic {
		Checks.notNull(time, "time");
		Checks.notNull(kind, "kind");
		Checks.notNull(message, "message");
	}

	/**
	 * A diagnostic without a peer, address or cause.
	 *
	 * @throws NullPointerException if a value is {@code null}
	 */
	public Diagnostic(Instant time, Kind kind, String message) {
		this(time, kind, message, null, null, null);
	}

	/**
	 * What a {@link Diagnostic} reports. An open set: the constants below are what the library itself reports, and a
	 * transport or discovery of another party reports kinds of its own with {@link #of(String)}, which
	 * {@link PeerCollaboration#diagnostics()} passes on unchanged:
	 *
	 * <pre>{@code
	 * static final Diagnostic.Kind RELAY_REFUSED = Diagnostic.Kind.of("relay.REFUSED");
	 * }</pre>
	 *
	 * Two kinds are equal when their names are; compare them with {@link #equals(Object)}, not {@code ==}. The
	 * {@link #toString()} of a kind is its name, which the WARN log line shows in brackets.
	 *
	 * @param name the kind's name: 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
	 */
	public record Kind(String name) {

		/** The longest name of a kind, in characters. */
		public static final int MAX_NAME_LENGTH = 64;

		private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

		/**
		 * An mDNS announcement that could not be read (a TXT record without a valid name, a duplicate or over-long
		 * key, bytes that are not UTF-8); it was ignored. Reported by {@code MdnsDiscovery}.
		 */
		public static final Kind MALFORMED_ANNOUNCEMENT = new Kind("MALFORMED_ANNOUNCEMENT");

		/**
		 * A peer near me announced a name its key does not prove; that endpoint was dropped and is not dialled again
		 * for a while. Reported by the engine after it dialled the endpoint.
		 */
		public static final Kind SPOOFED_NAME = new Kind("SPOOFED_NAME");

		/**
		 * A request from a peer was refused (unknown route, undecodable, oversized payload, over a limit, not
		 * authorized); the connection and its other streams go on. Reported by the transport, and by the engine for
		 * invitations over the per-peer rate.
		 */
		public static final Kind REJECTED_REQUEST = new Kind("REJECTED_REQUEST");

		/**
		 * An inbound connection was refused or closed before it was served: its SETUP was refused, it was over a
		 * connection limit (in total, per source address), or it opened no stream within the time to first stream.
		 * Reported by the transport.
		 */
		public static final Kind REJECTED_CONNECTION = new Kind("REJECTED_CONNECTION");

		/**
		 * A connection to a peer was lost: a peer near me stopped answering, or a followed contact's stream failed.
		 * Reported by the engine.
		 */
		public static final Kind CONNECTION_LOST = new Kind("CONNECTION_LOST");

		/**
		 * Signed in, no connectivity: signing in to {@code NEAR_ME} found no usable network interface (the discovery
		 * failed with {@link io.peercollab.NoConnectivityException}). The sign-in succeeded; the discovery is started
		 * again every 5 s until an interface comes up, and people near me are found from then on. Reported by the
		 * engine.
		 */
		public static final Kind NO_CONNECTIVITY = new Kind("NO_CONNECTIVITY");

		/**
		 * This endpoint's Internet record could not be published (or its key type cannot sign one); the library
		 * retries with backoff. Reported by the engine while signed in to {@code INTERNET} with a publisher.
		 */
		public static final Kind PUBLISH_FAILED = new Kind("PUBLISH_FAILED");

		/**
		 * A {@link io.peercollab.spi.PeerNameResolver} failed; the other sources were used. Reported by the engine.
		 */
		public static final Kind RESOLVE_FAILED = new Kind("RESOLVE_FAILED");

		/**
		 * An address of a peer could not be used for a connection: nothing answered there, the transport cannot dial
		 * its kind, or someone else's key answered; the peer's other addresses were tried. The diagnostic names the
		 * peer, the address and the transport's error. Reported by the engine for each address that failed while it
		 * connected to a peer; {@link io.peercollab.Peer#path()} shows the path that worked.
		 */
		public static final Kind PATH_FAILED = new Kind("PATH_FAILED");

		/**
		 * Validates the name.
		 *
		 * @throws NullPointerException if {@code name} is {@code null}
		 * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_NAME_LENGTH} characters, or
		 * holds a character other than {@code A-Z a-z 0-9 . _ -}
		 */
		public Kind {
			Objects.requireNonNull(name, "name");
			if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
				throw new IllegalArgumentException("Diagnostic.Kind name must be 1 to " + MAX_NAME_LENGTH
						+ " characters of A-Z a-z 0-9 . _ -, was '" + MessageText.quote(name) + "' (" + name.length()
						+ " characters)");
			}
		}

		/**
		 * Returns the kind with this name: one of the constants above for their names, else a new kind.
		 *
		 * @param name 1 to {@value #MAX_NAME_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}
		 * @throws NullPointerException if {@code name} is {@code null}
		 * @throws IllegalArgumentException if the name is invalid; the message says why
		 */
		public static Kind of(String name) {
			Objects.requireNonNull(name, "name");
			return switch (name) {
				case "MALFORMED_ANNOUNCEMENT" -> MALFORMED_ANNOUNCEMENT;
				case "SPOOFED_NAME" -> SPOOFED_NAME;
				case "REJECTED_REQUEST" -> REJECTED_REQUEST;
				case "REJECTED_CONNECTION" -> REJECTED_CONNECTION;
				case "CONNECTION_LOST" -> CONNECTION_LOST;
				case "PUBLISH_FAILED" -> PUBLISH_FAILED;
				case "RESOLVE_FAILED" -> RESOLVE_FAILED;
				case "PATH_FAILED" -> PATH_FAILED;
				default -> new Kind(name);
			};
		}

		/** @return the name */
		@Override
		public String toString() {
			return name;
		}
	}
}
