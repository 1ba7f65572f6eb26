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
 * <p>Closing a session (by {@link #dispose()}) on a member ends that member's part; closing it on the host ends it for
 * everyone. Either way the other side's {@link #receive()} completes and {@link #onClose()} fires.
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
	 * The messages other members send, in the order each sender sent them.
	 *
	 * <p>One subscriber at a time. Messages that arrive before it subscribes, or faster than it requests, are held in
	 * a buffer of {@value #RECEIVE_BUFFER} messages per session; past that the sending member is slowed down through
	 * the transport's flow control (its {@code send} does not complete until there is room). Completes when the
	 * session closes.
	 *
	 * @return the received messages
	 */
	Flux<SessionMessage> receive();

	/** The messages {@link #receive()} holds for a slow subscriber before flow control slows the senders. */
	int RECEIVE_BUFFER = 256;

	/**
	 * Sends one message to every other member.
	 *
	 * @param data at most {@value SessionMessage#MAX_DATA_LENGTH} bytes
	 * @return completes once the message is handed to the transport; fails with {@link PayloadTooLargeException} if it
	 * is too large, or {@link PeerUnreachableException} if the session is closed
	 */
	Mono<Void> send(byte[] data);

	/**
	 * Sends a stream of messages, requesting from {@code data} only as fast as the slowest member takes them.
	 *
	 * @return completes when {@code data} completes and every message is handed to the transport; fails with
	 * {@link PayloadTooLargeException} at the first message larger than {@value SessionMessage#MAX_DATA_LENGTH} bytes
	 */
	Mono<Void> send(Publisher<byte[]> data);

	/** @return completes when the session closes, from either side */
	Mono<Void> onClose();
}
