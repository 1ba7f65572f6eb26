package io.peercollab.internal;

import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.CollaborationSession;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * What the host's and a member's side of a session share: identity, the receive buffer, size checks, closing.
 */
abstract class SessionBase implements CollaborationSession {

	/**
	 * Frames requested from a channel ahead of processing. Asking for one frame after each frame made every message
	 * wait for its own REQUEST_N round trip, a fraction of what a bare RSocket channel carries (SessionBenchmark);
	 * 32 keeps the wire busy and flow control still reaches the sender.
	 */
	static final int WIRE_PREFETCH = 32;

	/**
	 * The receive buffer's capacity: the frames of the prefetch window wait in the channel's queue, so a member that
	 * does not read holds at most {@link #RECEIVE_BUFFER} messages in all.
	 */
	static final int RECEIVE_CAPACITY = RECEIVE_BUFFER - WIRE_PREFETCH;

	private final UUID id;
	private final PeerApplication application;
	private final PeerName host;
	final MessageBuffer<SessionMessage> received = new MessageBuffer<>(RECEIVE_CAPACITY);
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private final AtomicBoolean disposed = new AtomicBoolean();

	SessionBase(UUID id, PeerApplication application, PeerName host) {
		this.id = id;
		this.application = application;
		this.host = host;
	}

	/** Sends one frame to whoever this side sends to; called with a checked frame on an open session. */
	abstract Mono<Void> sendFrame(SessionFrame frame);

	/** Releases what this side holds; called once, by {@link #dispose()}. */
	abstract void onDispose();

	@Override
	public final UUID id() {
		return id;
	}

	@Override
	public final PeerApplication application() {
		return application;
	}

	@Override
	public final PeerName host() {
		return host;
	}

	@Override
	public final Flux<SessionMessage> receive() {
		return received.flux();
	}

	@Override
	public final Mono<Void> send(byte[] data) {
		Objects.requireNonNull(data, "data");
		if (data.length > SessionMessage.MAX_DATA_LENGTH) {
			return Mono.error(new PayloadTooLargeException(
					"a session message is at most " + SessionMessage.MAX_DATA_LENGTH + " bytes, was " + data.length));
		}
		return Mono.defer(() -> disposed.get() ? Mono.error(Invitations.sessionClosed())
				: sendFrame(new SessionFrame(null, data)));
	}

	@Override
	public final Mono<Void> send(Publisher<byte[]> data) {
		return Flux.from(data).concatMap(this::send, 1).then();
	}

	@Override
	public final Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public final void dispose() {
		if (disposed.compareAndSet(false, true)) {
			onDispose();
			received.close(Invitations::sessionClosed);
			closed.tryEmitEmpty();
		}
	}

	/**
	 * Ends the session because the other side can no longer be reached (its process died, the network went silent):
	 * unlike {@link #dispose()}, which is a goodbye, {@link #receive()} delivers what it buffered and then fails with
	 * {@code cause}, and {@link #onClose()} fails with it too.
	 */
	final void fail(PeerUnreachableException cause) {
		if (disposed.compareAndSet(false, true)) {
			onDispose();
			received.fail(Invitations::sessionClosed, cause);
			closed.tryEmitError(cause);
		}
	}

	/** @return {@code e} if it says the peer is unreachable, else a {@link PeerUnreachableException} wrapping it */
	static PeerUnreachableException unreachable(PeerName peer, Throwable e) {
		return e instanceof PeerUnreachableException u ? u
				: new PeerUnreachableException("lost the session's connection to " + peer + ": " + e.getMessage(), e);
	}

	@Override
	public final boolean isDisposed() {
		return disposed.get();
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + id + ", " + application.description() + ", host=" + host + "]";
	}
}
