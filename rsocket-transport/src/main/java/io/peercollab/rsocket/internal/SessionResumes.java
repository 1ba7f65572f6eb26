// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.LimitExceededException;
import io.peercollab.identity.PeerName;
import reactor.core.publisher.Mono;

/**
 * The sessions this end serves that their clients may re-attach on another connection (PROTOCOL.md 5.8.1), by the
 * caller's proven name and the token it chose: a caller can only re-attach its own sessions, whatever token it
 * sends. A session stays here until it ended both ways and {@link #GRACE} passed (a client moving it as it ends finds
 * it still), and at most {@link #MAX_SESSIONS} are kept.
 */
final class SessionResumes {

	/** How many resumable sessions this end keeps at most, all callers together. */
	static final int MAX_SESSIONS = 4096;

	/** How long an ended session can still be re-attached (to be told it is over). */
	static final Duration GRACE = Duration.ofSeconds(10);

	private record Key(PeerName caller, String token) {
	}

	private final Map<Key, ResumableSession> sessions = new ConcurrentHashMap<>();

	/**
	 * Keeps {@code session} for {@code caller} until it ended.
	 *
	 * @throws LimitExceededException if {@link #MAX_SESSIONS} are kept, or the caller used that token already
	 */
	void add(PeerName caller, ResumableSession session) {
		if (sessions.size() >= MAX_SESSIONS) {
			throw new LimitExceededException("maxResumableSessions (" + MAX_SESSIONS + ") reached: open the session "
					+ "without 'resume'");
		}
		Key key = new Key(caller, session.token());
		if (sessions.putIfAbsent(key, session) != null) {
			throw new io.peercollab.InvalidRequestException("Invalid " + Route.SESSION
					+ " opening payload: field 'resume': the token is in use by another session");
		}
		session.ended().then(Mono.delay(GRACE)).subscribe(x -> sessions.remove(key, session));
	}

	/** @return the session {@code caller} opened with {@code token}, or {@code null} */
	ResumableSession find(PeerName caller, String token) {
		return sessions.get(new Key(caller, token));
	}

	/** @return completes when every session kept here ended both ways; at once when none is open */
	Mono<Void> ended() {
		return Mono.when(sessions.values().stream().map(ResumableSession::ended).toList());
	}

	/** @return how many sessions are kept */
	int size() {
		return sessions.size();
	}
}
