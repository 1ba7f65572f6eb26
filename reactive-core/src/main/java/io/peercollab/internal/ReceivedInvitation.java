package io.peercollab.internal;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationClosedException;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An invitation received, answerable once: its state moves from {@code PENDING} to exactly one final state.
 */
final class ReceivedInvitation implements Invitation {

	private final Invitations invitations;
	private final InviteRequest request;
	private final PeerName sender;
	private final boolean fromContact;
	private final PeerApplication application;
	private final Instant expiresAt;
	private final AtomicReference<InvitationState> state = new AtomicReference<>(InvitationState.PENDING);
	private final Sinks.One<InviteReply> reply = Sinks.one();
	private final Sinks.One<InvitationState> outcome = Sinks.one();
	private final Sinks.One<CollaborationSession> session = Sinks.one();

	ReceivedInvitation(Invitations invitations, InviteRequest request, PeerName sender, boolean fromContact,
			PeerApplication application, Instant expiresAt) {
		this.invitations = invitations;
		this.request = request;
		this.sender = sender;
		this.fromContact = fromContact;
		this.application = application;
		this.expiresAt = expiresAt;
	}

	UUID sessionId() {
		return request.sessionId();
	}

	Mono<InviteReply> reply() {
		return reply.asMono();
	}

	@Override
	public UUID id() {
		return request.invitationId();
	}

	@Override
	public PeerName sender() {
		return sender;
	}

	@Override
	public String senderNickname() {
		return request.senderNickname();
	}

	@Override
	public boolean fromContact() {
		return fromContact;
	}

	@Override
	public PeerApplication application() {
		return application;
	}

	@Override
	public String message() {
		return request.message();
	}

	@Override
	public byte[] data() {
		return request.data();
	}

	@Override
	public Instant expiresAt() {
		return expiresAt;
	}

	@Override
	public InvitationState state() {
		return state.get();
	}

	@Override
	public Mono<CollaborationSession> accept() {
		return Mono.defer(() -> {
			if (!end(InvitationState.ACCEPTED)) {
				return Mono.error(closed());
			}
			invitations.awaitSession(this);
			reply.tryEmitValue(new InviteReply(InvitationStatus.ACCEPTED, ""));
			return session.asMono()
					.timeout(Invitations.SESSION_OPEN_TIMEOUT, Mono.error(() -> new io.peercollab.PeerUnreachableException(
							"accepted the invitation from " + sender + ", but it did not open the session within "
									+ Invitations.SESSION_OPEN_TIMEOUT.toSeconds() + " s")), invitations.timer())
					.doOnError(e -> invitations.sessionAbandoned(this));
		});
	}

	@Override
	public Mono<Void> decline(String message) {
		return Mono.defer(() -> {
			String m = Checks.text(message, "message", MAX_MESSAGE_LENGTH);
			if (!end(InvitationState.DECLINED)) {
				return Mono.error(closed());
			}
			reply.tryEmitValue(new InviteReply(InvitationStatus.DECLINED, m));
			return Mono.empty();
		});
	}

	@Override
	public Mono<InvitationState> outcome() {
		return outcome.asMono();
	}

	void expire() {
		if (end(InvitationState.EXPIRED)) {
			reply.tryEmitValue(new InviteReply(InvitationStatus.EXPIRED, ""));
		}
	}

	void withdraw() {
		if (end(InvitationState.WITHDRAWN)) {
			return;
		}
		// accepted, but the sender went away before opening the session
		session.tryEmitError(new io.peercollab.PeerUnreachableException(
				"the invitation from " + sender + " was withdrawn before its session opened"));
	}

	void sessionOpened(CollaborationSession s) {
		session.tryEmitValue(s);
	}

	private boolean end(InvitationState to) {
		if (state.compareAndSet(InvitationState.PENDING, to)) {
			outcome.tryEmitValue(to);
			return true;
		}
		return false;
	}

	private InvitationClosedException closed() {
		return new InvitationClosedException("the invitation " + id() + " from " + sender
				+ " can no longer be answered: it is " + state.get());
	}

	@Override
	public String toString() {
		return "Invitation[" + id() + " from " + sender + " to " + application.description() + ", " + state.get() + "]";
	}
}
