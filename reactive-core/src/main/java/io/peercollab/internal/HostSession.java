package io.peercollab.internal;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.peercollab.CollaborationSession;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The session an inviting endpoint hosts for one application: a hub with one channel per member. What a member sends
 * is delivered here and relayed to every other member, under flow control: a message is taken from a member's channel
 * only once it is buffered here and queued for every other member.
 *
 * <p>The session closes when it is disposed or when its last member leaves; the next accepted invitation to the
 * application then starts a new one.
 */
final class HostSession implements CollaborationSession {

	private final UUID id;
	private final PeerApplication application;
	private final PeerName self;
	private final Invitations invitations;
	private final Map<PeerName, Member> members = new ConcurrentHashMap<>();
	private final MessageBuffer<SessionMessage> received = new MessageBuffer<>(Invitations.SESSION_RECEIVE_CAPACITY);
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private final AtomicBoolean disposed = new AtomicBoolean();

	private final class Member {

		final PeerName name;
		final MessageBuffer<SessionFrame> out = new MessageBuffer<>(RECEIVE_BUFFER);
		volatile Disposable inbound;

		Member(PeerName name) {
			this.name = name;
		}
	}

	HostSession(UUID id, PeerApplication application, PeerName self, Invitations invitations) {
		this.id = id;
		this.application = application;
		this.self = self;
		this.invitations = invitations;
	}

	void addMember(PeerConnection connection, UUID invitationId) {
		Member m = new Member(connection.remote());
		Member old = members.put(m.name, m);
		if (old != null) {
			leave(old);
		}
		m.inbound = connection.session(new SessionOpen(invitationId, id, application.id()), m.out.flux())
				.concatMap(f -> received.offer(new SessionMessage(m.name, f.data()), Invitations::sessionClosed)
						.then(relay(m, f)), Invitations.SESSION_PREFETCH)
				.subscribe(null, e -> memberLeft(m), () -> memberLeft(m));
	}

	private Mono<Void> relay(Member from, SessionFrame frame) {
		SessionFrame relayed = new SessionFrame(from.name, frame.data());
		return Flux.fromIterable(members.values())
				.filter(m -> m != from)
				.flatMap(m -> m.out.offer(relayed, Invitations::sessionClosed).onErrorResume(e -> Mono.empty()))
				.then();
	}

	private void memberLeft(Member m) {
		if (members.remove(m.name, m)) {
			m.out.close(Invitations::sessionClosed);
		}
		if (members.isEmpty()) {
			dispose();
		}
	}

	private void leave(Member m) {
		m.out.close(Invitations::sessionClosed);
		Disposable d = m.inbound;
		if (d != null) {
			d.dispose();
		}
	}

	void closeIfUnused() {
		if (members.isEmpty()) {
			dispose();
		}
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
		return self;
	}

	@Override
	public boolean isHost() {
		return true;
	}

	@Override
	public Set<PeerName> members() {
		return Set.copyOf(members.keySet());
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
		return Mono.defer(() -> {
			if (disposed.get()) {
				return Mono.error(Invitations.sessionClosed());
			}
			SessionFrame frame = new SessionFrame(null, data);
			return Flux.fromIterable(members.values())
					.flatMap(m -> m.out.offer(frame, Invitations::sessionClosed))
					.then();
		});
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
			invitations.hostClosed(this);
			// Completing each member's outbound ends its channel gracefully: the member drains, closes its side, and
			// the channel completes, so no message in flight is cut off.
			members.values().forEach(m -> m.out.close(Invitations::sessionClosed));
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
		return "HostSession[" + id + ", " + application.description() + ", members=" + members.keySet() + "]";
	}
}
