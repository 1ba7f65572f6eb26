package io.peercollab.internal;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.PeerApplication;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The session an inviting endpoint hosts for one application: a hub with one channel per member. What a member sends
 * is delivered here and relayed to every other member, under flow control: a message is taken from a member's channel
 * only once it is buffered here and queued for every other member.
 *
 * <p>The session closes when it is disposed or when its last member leaves; the next accepted invitation to the
 * application then starts a new one.
 */
final class HostSession extends SessionBase {

	private final Invitations invitations;
	private final Map<PeerName, Member> members = new ConcurrentHashMap<>();

	private final class Member {

		final PeerName name;
		final MessageBuffer<SessionFrame> out = new MessageBuffer<>(RECEIVE_BUFFER);
		volatile Disposable inbound;

		Member(PeerName name) {
			this.name = name;
		}
	}

	HostSession(UUID id, PeerApplication application, PeerName self, Invitations invitations) {
		super(id, application, self);
		this.invitations = invitations;
	}

	void addMember(PeerConnection connection, UUID invitationId) {
		Member m = new Member(connection.remote());
		Member old = members.put(m.name, m);
		if (old != null) {
			leave(old);
		}
		m.inbound = connection.session(new SessionOpen(invitationId, id(), application().id()), m.out.flux())
				.concatMap(f -> received.offer(new SessionMessage(m.name, f.data()), Invitations::sessionClosed)
						.then(relay(m, f)), WIRE_PREFETCH)
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
	public boolean isHost() {
		return true;
	}

	@Override
	public Set<PeerName> members() {
		return Set.copyOf(members.keySet());
	}

	@Override
	Mono<Void> sendFrame(SessionFrame frame) {
		return Flux.fromIterable(members.values())
				.flatMap(m -> m.out.offer(frame, Invitations::sessionClosed))
				.then();
	}

	@Override
	void onDispose() {
		invitations.hostClosed(this);
		// Completing each member's outbound ends its channel gracefully: the member drains, closes its side, and
		// the channel completes, so no message in flight is cut off.
		members.values().forEach(m -> m.out.close(Invitations::sessionClosed));
	}
}
