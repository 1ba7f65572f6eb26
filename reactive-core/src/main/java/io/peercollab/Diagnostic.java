package io.peercollab;

import java.time.Instant;

import io.peercollab.internal.Checks;

/**
 * Something the library noticed and did not let through: a malformed announcement, a peer near me whose key did not
 * match the name it announced, a rejected request. Emitted by {@link PeerCollaboration#diagnostics()} and logged.
 *
 * @param time when it was noticed
 * @param kind what it is
 * @param message what was seen and what was done about it
 */
public record Diagnostic(Instant time, Kind kind, String message) {

	/**
	 * @throws NullPointerException if a field is {@code null}
	 */
	public Diagnostic {
		Checks.notNull(time, "time");
		Checks.notNull(kind, "kind");
		Checks.notNull(message, "message");
	}

	/** What a {@link Diagnostic} reports. */
	public enum Kind {
		/** An mDNS announcement that could not be read; it was ignored. */
		MALFORMED_ANNOUNCEMENT,
		/** A peer near me announced a name its key does not prove; it was dropped. */
		SPOOFED_NAME,
		/** A request from a peer was refused (malformed, over a limit, not authorized). */
		REJECTED_REQUEST,
		/** A connection to a peer was lost. */
		CONNECTION_LOST,
		/** This endpoint's Internet record could not be published; the library retries with backoff. */
		PUBLISH_FAILED,
		/** A {@link io.peercollab.spi.PeerNameResolver} failed; the other sources were used. */
		RESOLVE_FAILED
	}
}
