package io.peercollab.internal;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.CollaborationSession;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.SessionFrame;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An invitee's side of a session: one channel to the host, which relays what the other members send.
 */
final class MemberSession implements CollaborationSession {

	private final UUID id;
	private final PeerApplication application;
	private final PeerName host;
	private final MessageBuffer<SessionFrame> out = new MessageBuffer<>(RECEIVE_BUFFER);
	private final MessageBuffer<SessionMessage> received = new MessageBuffer<>(Invitations.SESSION_RECEIVE_CAPACITY);
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private final AtomicBoolean disposed = new AtomicBoolean();
	private volatile Disposable inbound;

	MemberSession(UUID id, PeerApplication application, PeerName host, PeerName self) {
		this.id = id;
		this.application = application;
		this.host = host;
	}

	/** Wires the channel the host opened: its inbound frames are received here; what is sent here goes out. */
	Flux<SessionFrame> serve(Flux<SessionFrame> fromHost) {
		return out.flux().doOnSubscribe(s -> inbound = fromHost
				.concatMap(f -> received.offer(new SessionMessage(f.origin() == null ? host : f.origin(), f.data()),
						Invitations::sessionClosed), Invitations.SESSION_PREFETCH)
				.subscribe(null, e -> dispose(), this::dispose))
				.doFinally(s -> dispose());
	}

	@Override
	public UUID id() {
		return id;
	}

	@Override
	public PeerApplication application() {
		return application;
	}

	@Override
	public PeerName host() {
		return host;
	}

	@Override
	public boolean isHost() {
		return false;
	}

	@Override
	public Set<PeerName> members() {
		return disposed.get() ? Set.of() : Set.of(host);
	}

	@Override
	public Flux<SessionMessage> receive() {
		return received.flux();
	}

	@Override
	public Mono<Void> send(byte[] data) {
		java.util.Objects.requireNonNull(data, "data");
		if (data.length > SessionMessage.MAX_DATA_LENGTH) {
			return Mono.error(new PayloadTooLargeException(
					"a session message is at most " + SessionMessage.MAX_DATA_LENGTH + " bytes, was " + data.length));
		}
		return Mono.defer(() -> out.offer(new SessionFrame(null, data), Invitations::sessionClosed));
	}

	@Override
	public Mono<Void> send(Publisher<byte[]> data) {
		return Flux.from(data).concatMap(this::send, 1).then();
	}

	@Override
	public Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public void dispose() {
		if (disposed.compareAndSet(false, true)) {
			out.close(Invitations::sessionClosed);
			received.close(Invitations::sessionClosed);
			closed.tryEmitEmpty();
		}
	}

	@Override
	public boolean isDisposed() {
		return disposed.get();
	}

	@Override
	public String toString() {
		return "MemberSession[" + id + ", " + application.description() + ", host=" + host + "]";
	}
}
