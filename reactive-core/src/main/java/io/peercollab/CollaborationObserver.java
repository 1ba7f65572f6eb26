// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import reactor.util.context.ContextView;

/**
 * What a {@link PeerCollaboration} does, told as it happens, for metrics, tracing and logs: connections, invitations
 * (both ways, with their outcome and latency), followers, sessions (messages and bytes), peers near me, and the
 * publication and resolution of Internet records. Set with {@link PeerCollaboration.Builder#observer}; the default is
 * {@link #NOOP}, which costs nothing (the library allocates nothing to call it). {@code io.peercollab.micrometer}
 * binds an observer to Micrometer meters.
 *
 * <p>Every method has an empty default, so an observer overrides only what it needs, and new methods added later do
 * not break it. Methods are called on the library's threads (Netty event loops, the timer scheduler, the thread that
 * called the API), from several threads at once, never under a library lock: an implementation must be thread-safe,
 * fast, and must not block. An exception thrown by an observer is caught: the engine goes on as if the call had
 * returned, and the first such exception of each endpoint is logged at WARN (later ones at DEBUG).
 *
 * <p>Tracing: the methods about invitations sent receive the Reactor {@link ContextView} of the subscriber of
 * {@code peer.invite(..)}, so a trace id written with {@code contextWrite} by the caller can be read here; the same
 * context reaches the transport's request (and, for the host, the session channel opened for that invitee).
 *
 * <pre>{@code
 * CollaborationObserver observer = new CollaborationObserver() {
 *     @Override
 *     public void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
 *             Duration latency, ContextView context) {
 *         log.info("{} answered {} in {} (trace {})", invitee, status, latency, context.getOrDefault("trace", "-"));
 *     }
 * };
 * PeerCollaboration collab = PeerCollaboration.builder().identity(id).transport(transport).observer(observer).build();
 * }</pre>
 */
public interface CollaborationObserver {

	/** The observer that does nothing: the builder's default. */
	CollaborationObserver NOOP = new CollaborationObserver() {
		@Override
		public String toString() {
			return "CollaborationObserver.NOOP";
		}
	};

	/** Which side opened a connection. */
	enum Direction {
		/** A remote endpoint connected to this one. */
		INBOUND,
		/** This endpoint connected to a remote one. */
		OUTBOUND
	}

	/** How an operation on an Internet record (a resolution, a publication) ended. */
	enum Outcome {
		/** It produced what was asked: a record found, a record stored. */
		SUCCESS,
		/** It completed without a result: no record was found. */
		EMPTY,
		/** It failed; the diagnostics say why. */
		FAILURE,
		/** It was cancelled before it ended, for example because another source answered first. */
		CANCELLED
	}

	// ----- connections -----------------------------------------------------------------------------------------------

	/**
	 * A connection was opened and the remote endpoint proved its name (the TLS handshake and, for a transport that has
	 * one, the protocol's setup are done).
	 *
	 * @param remote the remote endpoint's name, proven by its key
	 * @param address the remote endpoint's address
	 * @param direction who opened it
	 */
	default void connectionOpened(PeerName remote, PeerAddress address, Direction direction) {
	}

	/**
	 * How a connection reported by {@link #connectionOpened} travels ({@link ConnectionPath}): told right after
	 * {@link #connectionOpened}, and again each time the transport moves the live connection to another path (a
	 * relayed connection upgraded to a hole-punched one). For a connection this endpoint opened, it is what
	 * {@link Peer#path()} shows; for an inbound one, what the transport can tell from its side: the RSocket transport
	 * says {@link ConnectionPath#RELAYED} for one that came through its relay and {@link ConnectionPath#DIRECT}
	 * otherwise (it cannot tell whether the caller came through a port its NAT forwards).
	 *
	 * @param path the path now
	 */
	default void connectionPath(PeerName remote, PeerAddress address, Direction direction, ConnectionPath path) {
	}

	/**
	 * A connection reported by {@link #connectionOpened} closed, for whatever reason (idle, lost, disposed).
	 *
	 * @param lifetime how long it was open
	 */
	default void connectionClosed(PeerName remote, PeerAddress address, Direction direction, Duration lifetime) {
	}

	/**
	 * This endpoint refused an inbound connection, or closed it before serving it (a refused setup, a connection over
	 * a limit, none of its streams within the time to first stream): the same record
	 * {@link PeerCollaboration#diagnostics()} emits, of kind {@link Diagnostic.Kind#REJECTED_CONNECTION}.
	 *
	 * @param refusal the kind, the peer and address when known, and the reason
	 */
	default void connectionRefused(Diagnostic refusal) {
	}

	/**
	 * Connecting to a remote endpoint failed: nothing answered, the TLS handshake failed, the endpoint there proved
	 * another key, or it refused this endpoint.
	 *
	 * @param expected the name the remote endpoint had to prove
	 * @param address where it was dialled
	 * @param error why, as the connect failed ({@link PeerUnreachableException},
	 * {@link PeerIdentityMismatchException}, {@link LimitExceededException}, ...)
	 */
	default void connectFailed(PeerName expected, PeerAddress address, Throwable error) {
	}

	// ----- invitations sent ------------------------------------------------------------------------------------------

	/**
	 * An invitation is being sent to one endpoint of {@code invitee} (a contact signed in at several endpoints gets one
	 * per endpoint).
	 *
	 * @param context the context of the subscriber of {@code invite(..)}
	 */
	default void invitationSent(PeerName invitee, PeerApplication application, ContextView context) {
	}

	/**
	 * An invitation sent here was answered ({@code ACCEPTED} or {@code DECLINED}), or expired without an answer
	 * ({@code EXPIRED}).
	 *
	 * @param latency from sending to the answer (or the expiry)
	 * @param context the context of the subscriber of {@code invite(..)}
	 */
	default void invitationAnswered(PeerName invitee, PeerApplication application, InvitationStatus status,
			Duration latency, ContextView context) {
	}

	/**
	 * An invitation sent here got no answer: the connection failed under it, the invitee refused it with an error
	 * (such as {@link LimitExceededException}), or the caller cancelled it
	 * ({@link java.util.concurrent.CancellationException}).
	 *
	 * @param latency from sending to the failure
	 * @param context the context of the subscriber of {@code invite(..)}
	 */
	default void invitationFailed(PeerName invitee, PeerApplication application, Throwable error, Duration latency,
			ContextView context) {
	}

	// ----- invitations received --------------------------------------------------------------------------------------

	/**
	 * An invitation arrived from {@code sender}, before any rule (rate limit, policy, visibility) was applied.
	 *
	 * @param application the application as the sender described it
	 */
	default void invitationReceived(PeerName sender, PeerApplication application) {
	}

	/**
	 * An invitation received here left {@code PENDING}: accepted or declined (by the user, or at once by a rule:
	 * rate limit, policy, an application the sender may not see, a crossing invitation), expired, or withdrawn by its
	 * sender.
	 *
	 * @param application the application as the sender described it
	 * @param state {@code ACCEPTED}, {@code DECLINED}, {@code EXPIRED} or {@code WITHDRAWN}
	 * @param latency from its arrival to that moment
	 */
	default void invitationResponded(PeerName sender, PeerApplication application, InvitationState state,
			Duration latency) {
	}

	// ----- followers -------------------------------------------------------------------------------------------------

	/** A remote endpoint started following this one ({@code peer.events()} on its side). */
	default void followerAdded(PeerName follower) {
	}

	/** A remote endpoint stopped following this one (it cancelled, its connection closed, it fell too far behind). */
	default void followerRemoved(PeerName follower) {
	}

	// ----- sessions --------------------------------------------------------------------------------------------------

	/**
	 * A session was opened here: hosted (the first invitation to it accepted) or joined (the host's channel arrived).
	 */
	default void sessionOpened(CollaborationSession session) {
	}

	/** A session reported by {@link #sessionOpened} closed or failed. */
	default void sessionClosed(CollaborationSession session) {
	}

	/**
	 * A message was handed to the session to send (to the host, or by the host to every member).
	 *
	 * @param bytes its length
	 */
	default void sessionMessageSent(CollaborationSession session, int bytes) {
	}

	/**
	 * A message arrived in a session.
	 *
	 * @param from who sent it (for a member: the host, or the member the host relayed it from)
	 * @param bytes its length
	 */
	default void sessionMessageReceived(CollaborationSession session, PeerName from, int bytes) {
	}

	// ----- people near me --------------------------------------------------------------------------------------------

	/**
	 * A peer near me was shown, changed or left: the events of {@link PeerCollaboration#peersNearMe()}, whether or
	 * not anyone subscribes to it.
	 */
	default void peerNearMe(PeerNearMeEvent event) {
	}

	// ----- Internet records ------------------------------------------------------------------------------------------

	/**
	 * A configured resolver (such as the Mainline DHT) was asked for a contact's addresses, and answered.
	 *
	 * @param outcome {@code SUCCESS} at its first record, {@code EMPTY} if it completed without one,
	 * {@code FAILURE}, or {@code CANCELLED} if the look-up was abandoned first (another source answered)
	 * @param latency from the question to that outcome
	 */
	default void nameResolved(PeerNameResolver resolver, PeerName name, Outcome outcome, Duration latency) {
	}

	/**
	 * One attempt to publish this endpoint's Internet record (at sign-in, republishing, or the record without endpoints
	 * at sign-out) ended.
	 *
	 * @param endPoints how many endpoints the record lists
	 * @param outcome {@code SUCCESS}, {@code FAILURE}, or {@code CANCELLED} when a newer publication replaced it
	 * @param latency from the start of the attempt to its end
	 */
	default void namePublished(PeerNamePublisher publisher, int endPoints, Outcome outcome, Duration latency) {
	}
}
