// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.invite;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.peercollab.Checks;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationClosedException;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expiries;
import io.peercollab.internal.observe.GuardedObserver;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

/**
 * An invitation received, answerable once: its state moves from {@code PENDING} to exactly one final state.
 */
final class ReceivedInvitation implements Invitation {

	/** What an invitation tells the endpoint that received it. */
	interface Listener {

		/** The invitation left {@code PENDING} for {@code state}. */
		void ended(ReceivedInvitation inv, InvitationState state);

		/** The invitation was accepted: its sender may open the session now. */
		void awaitingSession(ReceivedInvitation inv);

		/** The invitation was accepted, but its session will not be opened any more. */
		void sessionAbandoned(ReceivedInvitation inv);
	}

	private final InviteRequest request;
	private final PeerName sender;
	private final @Nullable PeerAddress from;
	private final boolean fromContact;
	private final PeerApplication application;
	private final long expiresAtMillis;
	private final Expiries expiries;
	private final Listener listener;
	private final Expiries.Entry expiry = new Expiries.Entry() {
		@Override
		protected void expired() {
			expire();
		}
	};
	private static final AtomicReferenceFieldUpdater<ReceivedInvitation, InvitationState> STATE =
			AtomicReferenceFieldUpdater.newUpdater(ReceivedInvitation.class, InvitationState.class, "state");

	/** When it arrived, on {@link GuardedObserver#now()}'s clock: the observer is told how long it waited. */
	final long arrivedNanos = GuardedObserver.now();
	private volatile InvitationState state = InvitationState.PENDING;
	/** The answer, set once by whoever moved the state out of PENDING, or {@code null} while pending. */
	private volatile InviteReply answer;
	/** The one subscriber of {@link #reply()}, or {@code null} until it subscribed. */
	private volatile ReplyTo replyTo;
	/** Set by the first of the answer and the subscriber to find the other there: the answer goes once. */
	private volatile int delivered;
	private static final AtomicIntegerFieldUpdater<ReceivedInvitation> DELIVERED =
			AtomicIntegerFieldUpdater.newUpdater(ReceivedInvitation.class, "delivered");
	private final Mono<InviteReply> reply = new Reply();
	// made on demand: most invitations are answered without anyone asking for their outcome, or a session
	private volatile Sinks.One<InvitationState> outcome;
	private volatile Sinks.One<CollaborationSession> session;

	/**
	 * @param expiresAtMillis when it expires, on the clock of {@code expiries}
	 * @param expiries where its expiry, and the wait for its session once accepted, are queued
	 */
	ReceivedInvitation(InviteRequest request, PeerName sender, @Nullable PeerAddress from, boolean fromContact,
			PeerApplication application, long expiresAtMillis, Expiries expiries, Listener listener) {
		this.request = request;
		this.sender = sender;
		this.from = from;
		this.fromContact = fromContact;
		this.application = application;
		this.expiresAtMillis = expiresAtMillis;
		this.expiries = expiries;
		this.listener = listener;
	}

	/** Queues the expiry: at {@link #expiresAt()}, a pending invitation expires. */
	void startExpiry() {
		expiries.addAt(expiry, expiresAtMillis);
	}

	UUID sessionId() {
		return request.sessionId();
	}

	/**
	 * @return the answer to send back, once there is one; subscribed to once (by the responder that received the
	 * invitation); cancelling it withdraws the invitation, as a sender that went away does
	 */
	Mono<InviteReply> reply() {
		return reply;
	}

	/** Sets the answer and hands it to the subscriber of {@link #reply()} if there is one already. */
	private void answer(InviteReply r) {
		answer = r;
		ReplyTo to = replyTo;
		if (to != null) {
			deliver(to, r);
		}
	}

	private void deliver(ReplyTo to, InviteReply r) {
		if (DELIVERED.compareAndSet(this, 0, 1)) {
			to.complete(r);
		}
	}

	/**
	 * {@link #reply()}: one object in place of a {@code Sinks.One}, its {@code asMono()} and a {@code doOnCancel}
	 * (each an object per invitation and another per subscription; one is received per invitation).
	 */
	private final class Reply extends Mono<InviteReply> {

		@Override
		public void subscribe(CoreSubscriber<? super InviteReply> actual) {
			ReplyTo to = new ReplyTo(actual);
			actual.onSubscribe(to);
			if (REPLY_TO.compareAndSet(ReceivedInvitation.this, null, to)) {
				InviteReply r = answer;
				if (r != null) {
					deliver(to, r);
				}
			}
			else {
				to.onError(new IllegalStateException("the reply to " + id() + " has a subscriber already"));
			}
		}
	}

	private static final AtomicReferenceFieldUpdater<ReceivedInvitation, ReplyTo> REPLY_TO =
			AtomicReferenceFieldUpdater.newUpdater(ReceivedInvitation.class, ReplyTo.class, "replyTo");

	/** The subscription of {@link #reply()}: emits the answer once requested; a cancel withdraws the invitation. */
	private final class ReplyTo extends Operators.MonoSubscriber<InviteReply, InviteReply> {

		ReplyTo(CoreSubscriber<? super InviteReply> actual) {
			super(actual);
		}

		@Override
		public void cancel() {
			if (!isCancelled()) {
				super.cancel();
				withdraw();
			}
		}
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
	public Optional<PeerEndPoint> senderEndPoint() {
		return from == null ? Optional.empty() : Optional.of(PeerEndPoint.of(from));
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
		return Instant.ofEpochMilli(expiresAtMillis);
	}

	@Override
	public InvitationState state() {
		return state;
	}

	@Override
	public Mono<CollaborationSession> accept(String message, Integer extendedCode) {
		return Mono.defer(() -> {
			String m = Checks.text(message, "message", MAX_MESSAGE_LENGTH);
			// made before the state changes, so that a withdrawal right after it finds the sink to fail
			Sinks.One<CollaborationSession> opened = sessionSink();
			if (!end(InvitationState.ACCEPTED)) {
				return Mono.error(closed());
			}
			listener.awaitingSession(this);
			answer(new InviteReply(InvitationStatus.ACCEPTED, m, extendedCode));
			return expiries.timeout(opened.asMono(), Invitations.SESSION_OPEN_TIMEOUT,
					Mono.error(() -> new io.peercollab.PeerUnreachableException("accepted the invitation from "
							+ sender + ", but it did not open the session within "
							+ Invitations.SESSION_OPEN_TIMEOUT.toSeconds() + " s")))
					.doOnError(e -> listener.sessionAbandoned(this));
		});
	}

	@Override
	public Mono<Void> decline(String message, Integer extendedCode) {
		return Mono.defer(() -> {
			String m = Checks.text(message, "message", MAX_MESSAGE_LENGTH);
			if (!end(InvitationState.DECLINED)) {
				return Mono.error(closed());
			}
			answer(new InviteReply(InvitationStatus.DECLINED, m, extendedCode));
			return Mono.empty();
		});
	}

	@Override
	public Mono<InvitationState> outcome() {
		Sinks.One<InvitationState> o = outcome;
		if (o == null) {
			synchronized (this) {
				o = outcome;
				if (o == null) {
					o = Sinks.one();
					outcome = o;
				}
			}
		}
		// ended before the sink was made: end() did not see it
		InvitationState s = state;
		if (s != InvitationState.PENDING) {
			o.tryEmitValue(s);
		}
		return o.asMono();
	}

	void expire() {
		if (end(InvitationState.EXPIRED)) {
			answer(new InviteReply(InvitationStatus.EXPIRED, ""));
		}
	}

	/** Declined by the endpoint before the user saw it: answers the sender with {@code message}. */
	void refuse(String message) {
		if (end(InvitationState.DECLINED)) {
			answer(new InviteReply(InvitationStatus.DECLINED, message));
		}
	}

	void withdraw() {
		if (end(InvitationState.WITHDRAWN)) {
			return;
		}
		// accepted, but the sender went away before opening the session
		Sinks.One<CollaborationSession> s = session;
		if (s != null) {
			s.tryEmitError(new io.peercollab.PeerUnreachableException(
					"the invitation from " + sender + " was withdrawn before its session opened"));
		}
	}

	void sessionOpened(CollaborationSession s) {
		sessionSink().tryEmitValue(s);
	}

	private Sinks.One<CollaborationSession> sessionSink() {
		Sinks.One<CollaborationSession> s = session;
		if (s == null) {
			synchronized (this) {
				s = session;
				if (s == null) {
					s = Sinks.one();
					session = s;
				}
			}
		}
		return s;
	}

	private boolean end(InvitationState to) {
		if (STATE.compareAndSet(this, InvitationState.PENDING, to)) {
			expiries.remove(expiry);
			listener.ended(this, to);
			Sinks.One<InvitationState> o = outcome;
			if (o != null) {
				o.tryEmitValue(to);
			}
			return true;
		}
		return false;
	}

	private InvitationClosedException closed() {
		return new InvitationClosedException("the invitation " + id() + " from " + sender
				+ " can no longer be answered: it is " + state);
	}

	@Override
	public String toString() {
		return "Invitation[" + id() + " from " + sender + " to " + application.description() + ", " + state + "]";
	}
}
