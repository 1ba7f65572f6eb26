package io.peercollab.internal;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.PeerApplication;
import io.peercollab.PeerUnreachableException;
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
 * <p>The session closes when it is disposed or when its last member leaves while no invitation naming it waits for an
 * answer; the next invitation to the application then starts a new one.
 */
final class HostSession extends SessionBase {

	private final Invitations invitations;
	private final Map<PeerName, Member> members = new ConcurrentHashMap<>();
	/** Invitations sent for this session and not answered yet: the session waits for them before closing. */
	private final AtomicInteger invitationsOut = new AtomicInteger();

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
				.subscribe(null, e -> memberLeft(m, e), () -> memberLeft(m, null));
	}

	private Mono<Void> relay(Member from, SessionFrame frame) {
		SessionFrame relayed = new SessionFrame(from.name, frame.data());
		return Flux.fromIterable(members.values())
				.filter(m -> m != from)
				.flatMap(m -> m.out.offer(relayed, Invitations::sessionClosed).onErrorResume(e -> Mono.empty()))
				.then();
	}

	/**
	 * A member's channel ended: with {@code error == null} the member left (a goodbye), else it can no longer be
	 * reached. The session goes on for the others; if the last member was lost that way (and no invitation waits for
	 * an answer), the session fails with {@link PeerUnreachableException} instead of completing.
	 */
	private void memberLeft(Member m, Throwable error) {
		boolean wasMember = members.remove(m.name, m);
		if (wasMember) {
			m.out.close(Invitations::sessionClosed);
		}
		if (wasMember && error != null && !(error instanceof CancellationException)) {
			failIfUnused(unreachable(m.name, error));
		}
		else {
			closeIfUnused();
		}
	}

	private synchronized void failIfUnused(PeerUnreachableException cause) {
		if (invitationsOut.get() == 0 && members.isEmpty()) {
			fail(cause);
		}
	}

	private void leave(Member m) {
		m.out.close(Invitations::sessionClosed);
		Disposable d = m.inbound;
		if (d != null) {
			d.dispose();
		}
	}

	/**
	 * An invitation naming this session is on its way; the session stays open at least until it is answered.
	 *
	 * @return {@code false} if the session closed already: the invitation must name another one
	 */
	synchronized boolean invitationSent() {
		if (isDisposed()) {
			return false;
		}
		invitationsOut.incrementAndGet();
		return true;
	}

	/** An invitation naming this session was answered, or failed; an accepted one was added as a member first. */
	void invitationEnded() {
		invitationsOut.decrementAndGet();
	}

	/**
	 * Closes the session if it has no member and no invitation naming it waits for an answer: an invitee accepting
	 * later must find the session its invitation named. The count is read before the members, and an accepted
	 * invitation adds its member before it stops counting, so the two cannot both be missed.
	 */
	synchronized void closeIfUnused() {
		if (invitationsOut.get() == 0 && members.isEmpty()) {
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
