package io.peercollab;

import java.net.InetSocketAddress;
import java.time.Instant;

import io.peercollab.identity.PeerName;
import io.peercollab.internal.Checks;

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
public record Diagnostic(Instant time, Kind kind, String message, PeerName peer, InetSocketAddress address,
		Throwable cause) {

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

	/** What a {@link Diagnostic} reports. */
	public enum Kind {
		/** An mDNS announcement that could not be read; it was ignored. */
		MALFORMED_ANNOUNCEMENT,
		/** A peer near me announced a name its key does not prove; it was dropped. */
		SPOOFED_NAME,
		/**
		 * A request from a peer was refused (unknown route, undecodable, oversized payload, over a limit, not
		 * authorized); the connection and its other streams go on.
		 */
		REJECTED_REQUEST,
		/**
		 * An inbound connection was refused or closed before it was served: its SETUP was refused, it was over a
		 * connection limit (in total, per source address), or it opened no stream within the time to first stream.
		 */
		REJECTED_CONNECTION,
		/** A connection to a peer was lost. */
		CONNECTION_LOST,
		/** This endpoint's Internet record could not be published; the library retries with backoff. */
		PUBLISH_FAILED,
		/** A {@link io.peercollab.spi.PeerNameResolver} failed; the other sources were used. */
		RESOLVE_FAILED
	}
}
