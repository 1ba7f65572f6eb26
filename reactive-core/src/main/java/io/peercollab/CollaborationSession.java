// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Set;
import java.util.UUID;

import io.peercollab.identity.PeerName;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The conversation of an accepted invitation. The inviting endpoint hosts it: every peer that accepted one of its
 * invitations to the same application joins the same session, and what a member sends reaches the host and every
 * other member.
 *
 * <p><b>How a session ends.</b> A goodbye and a crash end it differently, so that an application can tell them apart:
 * <ul>
 *   <li>Closed: {@link #dispose()} on a member ends that member's part; on the host it ends the session for everyone.
 *   Signing out or closing the endpoint disposes its sessions. The other side's {@link #receive()} delivers what it
 *   buffered and completes, and {@link #onClose()} completes.</li>
 *   <li>Lost: when the other side can no longer be reached (its process died, its connection broke or went silent),
 *   a member's session delivers what it buffered, then {@link #receive()} and {@link #onClose()} fail with
 *   {@link PeerUnreachableException}. A host's session loses that member ({@link #members()} shrinks) and goes on
 *   for the others; when the lost member was the last one and no invitation to the session waits for an answer, the
 *   host's session fails the same way. A process that dies is noticed as soon as its socket closes (at once on the same
 *   machine or a reachable one); a network that goes silent, within the transport's keepalive bound.</li>
 * </ul>
 */
public interface CollaborationSession extends Disposable {

	/** @return the session's id, chosen by the host */
	UUID id();

	/** @return the application the session belongs to */
	PeerApplication application();

	/** @return the endpoint hosting the session */
	PeerName host();

	/** @return whether this endpoint hosts the session */
	boolean isHost();

	/** @return the members connected now, this endpoint excluded */
	Set<PeerName> members();

	/**
	 * The members as they come and go, so that an application learns at once that a member's part ended, and how,
	 * instead of polling {@link #members()}.
	 *
	 * <p>Each subscriber first gets an {@code ADDED} change for every member connected when it subscribes, then each
	 * change as it happens: {@code ADDED} when a member joins, {@code REMOVED} when its part ends, with
	 * {@link SessionMemberChange#lost()} saying why when it could no longer be reached (its process died, its connection
	 * broke or went silent) and empty for a goodbye. When the session ends, the stream gives a {@code REMOVED} change
	 * for each member still in it (lost only if the session was lost) and completes; subscribed after the end, it
	 * completes at once. A member's session has one member, the host. Any number of subscribers; changes are few, so a
	 * slow subscriber's are buffered.
	 *
	 * @return the member changes, starting with the members now
	 */
	Flux<SessionMemberChange> memberChanges();

	/**
	 * The messages other members send, in the order each sender sent them.
	 *
	 * <p>One subscriber at a time. Messages that arrive before it subscribes, or faster than it requests, are held in
	 * a buffer of {@value #RECEIVE_BUFFER} messages per session; past that the sending member is slowed down through
	 * the transport's flow control (its {@code send} does not complete until there is room). Completes when the
	 * session is closed; fails with {@link PeerUnreachableException} when it is lost (see the type's description).
	 *
	 * @return the received messages
	 */
	Flux<SessionMessage> receive();

	/** The messages {@link #receive()} holds for a slow subscriber before flow control slows the senders. */
	int RECEIVE_BUFFER = 256;

	/**
	 * Sends one message to every other member.
	 *
	 * <p>The array is not copied: it is read until the returned {@code Mono} completes, so do not change it before
	 * then (as with a buffer handed to Netty). Reuse it after completion, or send a fresh array each time.
	 *
	 * @param data at most {@value SessionMessage#MAX_DATA_LENGTH} bytes
	 * @return completes once the message is handed to the transport; fails with {@link PayloadTooLargeException} if it
	 * is too large, or {@link PeerUnreachableException} if the session is closed
	 */
	Mono<Void> send(byte[] data);

	/**
	 * Sends a stream of messages, requesting from {@code data} only as fast as the slowest member takes them.
	 *
	 * <p>Arrays are not copied: each is read until the transport has taken it, which may be after the publisher
	 * emitted the next ones, so a publisher must emit a fresh array per message, never one it rewrites.
	 *
	 * @return completes when {@code data} completes and every message is handed to the transport; fails with
	 * {@link PayloadTooLargeException} at the first message larger than {@value SessionMessage#MAX_DATA_LENGTH} bytes
	 */
	Mono<Void> send(Publisher<byte[]> data);

	/**
	 * @return completes when the session is closed, from either side; fails with {@link PeerUnreachableException} when
	 * it is lost because the other side can no longer be reached (see the type's description)
	 */
	Mono<Void> onClose();
}
