package io.peercollab.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.peercollab.CollaborationSession;
import io.peercollab.Diagnostic;
import io.peercollab.Invitation;
import io.peercollab.InvitationPolicy;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Both sides of invitations: {@link #send} (the {@code InviteRequester}) and {@link #receive} (the
 * {@code InviteResponder}), the sessions they open, and the rules between them: invitation policy, rate limit,
 * expiry, withdrawal, and crossing invitations.
 *
 * <p>Crossing invitations: when two peers invite each other to the same application at the same moment, the
 * invitation sent by the peer whose {@link PeerName} sorts first survives; the other is declined automatically by
 * that peer with the message {@value #CROSSING}. Each peer decides alone and both reach the same result, so exactly
 * one session is made.
 */
final class Invitations {

	static final String CROSSING = "crossing invitation: the peer whose name sorts first hosts the session";
	static final String NOT_REGISTERED = "application not registered here";
	static final Duration EXPIRY_GRACE = Duration.ofSeconds(10);
	static final Duration SESSION_OPEN_TIMEOUT = Duration.ofSeconds(30);
	static final Duration MAX_EXPIRY = Duration.ofHours(24);
	static final int PENDING_BUFFER = 256;


	private final DefaultPeerCollaboration owner;
	private final int perPeerPerMinute;
	private final Sinks.Many<Invitation> received = Sinks.many().multicast()
			.onBackpressureBuffer(PENDING_BUFFER, false);
	private final Map<UUID, ReceivedInvitation> awaitingSession = new ConcurrentHashMap<>();
	/** The sessions this endpoint is a member of, open now. */
	private final Set<MemberSession> joined = ConcurrentHashMap.newKeySet();
	private final Map<UUID, ReceivedInvitation> pending = new ConcurrentHashMap<>();
	private final Map<String, Integer> outgoing = new ConcurrentHashMap<>();
	private final Map<PeerName, ArrayDeque<Long>> rates = new ConcurrentHashMap<>();
	final Map<UUID, HostSession> hosted = new ConcurrentHashMap<>();

	Invitations(DefaultPeerCollaboration owner, int perPeerPerMinute) {
		this.owner = owner;
		this.perPeerPerMinute = perPeerPerMinute;
	}

	Flux<Invitation> received() {
		return received.asFlux();
	}

	// ----- receiving -------------------------------------------------------------------------------------------------

	Mono<InviteReply> receive(PeerName caller, InviteRequest request) {
		return Mono.defer(() -> {
			if (!withinRate(caller)) {
				owner.diagnose(Diagnostic.Kind.REJECTED_REQUEST, caller + " sent more than " + perPeerPerMinute
						+ " invitations in a minute");
				return Mono.error(new LimitExceededException("invitationsPerPeerPerMinute (" + perPeerPerMinute
						+ ") exceeded: wait before inviting this peer again"));
			}
			boolean contact = owner.contacts.isAllowed(caller);
			if (owner.policy == InvitationPolicy.CONTACTS_ONLY && !contact) {
				return Mono.error(new NotAuthorizedException(owner.name() + " accepts invitations from its contacts only"));
			}
			PeerApplication app = owner.application(request.application().id());
			// An application the caller cannot see is refused exactly as one that is not registered: the answer must
			// not tell a stranger that an INTERNET-only (or NONE) application exists here.
			if (app == null || !owner.visibleTo(contact, app.scope())) {
				return Mono.just(new InviteReply(InvitationStatus.DECLINED, NOT_REGISTERED));
			}
			if (owner.name().compareTo(caller) < 0 && outgoing.containsKey(key(caller, app.id()))) {
				return Mono.just(new InviteReply(InvitationStatus.DECLINED, CROSSING));
			}
			Duration expiry = request.expiry().compareTo(MAX_EXPIRY) > 0 ? MAX_EXPIRY : request.expiry();
			ReceivedInvitation inv = new ReceivedInvitation(this, request, caller, contact, app,
					Instant.ofEpochMilli(owner.timer.now(java.util.concurrent.TimeUnit.MILLISECONDS)).plus(expiry));
			pending.put(inv.id(), inv);
			inv.outcome().subscribe(st -> pending.remove(inv.id()));
			Sinks.EmitResult r = Emissions.next(received, inv);
			if (r.isFailure()) {
				return Mono.just(new InviteReply(InvitationStatus.DECLINED,
						"too many invitations waiting for an answer here; try again later"));
			}
			return inv.reply()
					.timeout(expiry, Mono.defer(() -> {
						inv.expire();
						return inv.reply();
					}), owner.timer)
					.doOnCancel(inv::withdraw);
		});
	}

	private boolean withinRate(PeerName caller) {
		long now = owner.timer.now(java.util.concurrent.TimeUnit.MILLISECONDS);
		ArrayDeque<Long> times = rates.computeIfAbsent(caller, k -> new ArrayDeque<>());
		synchronized (times) {
			while (!times.isEmpty() && times.peekFirst() <= now - 60_000) {
				times.pollFirst();
			}
			if (times.size() >= perPeerPerMinute) {
				return false;
			}
			times.addLast(now);
			return true;
		}
	}

	/** @return the scheduler of this endpoint's timers */
	reactor.core.scheduler.Scheduler timer() {
		return owner.timer;
	}

	void awaitSession(ReceivedInvitation inv) {
		awaitingSession.put(inv.id(), inv);
	}

	void sessionAbandoned(ReceivedInvitation inv) {
		awaitingSession.remove(inv.id(), inv);
	}

	Flux<SessionFrame> serveSession(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
		return Flux.defer(() -> {
			ReceivedInvitation inv = awaitingSession.remove(open.invitationId());
			if (inv == null || !inv.sender().equals(caller) || !inv.sessionId().equals(open.sessionId())) {
				return Flux.error(new InvalidRequestException(
						"no accepted invitation " + open.invitationId() + " from " + caller + " waits for a session"));
			}
			MemberSession session = new MemberSession(open.sessionId(), inv.application(), caller);
			joined.add(session);
			session.onClose().onErrorResume(e -> Mono.empty()).doFinally(s -> joined.remove(session)).subscribe();
			inv.sessionOpened(session);
			return session.serve(inbound);
		});
	}

	// ----- sending ---------------------------------------------------------------------------------------------------

	/**
	 * Invites over one connection; the host session for the application is shared by every invitee.
	 */
	Mono<InvitationResponse> send(PeerConnection connection, PeerApplication application, String message, byte[] data,
			Duration expiry) {
		return Mono.defer(() -> {
			HostSession host = hosted.computeIfAbsent(application.id(),
					id -> new HostSession(UUID.randomUUID(), application, owner.name(), this));
			while (!host.invitationSent()) {
				// closed between the look-up and now: start a new one
				hosted.remove(application.id(), host);
				host = hosted.computeIfAbsent(application.id(),
						id -> new HostSession(UUID.randomUUID(), application, owner.name(), this));
			}
			HostSession session = host;
			UUID invitationId = UUID.randomUUID();
			InviteRequest request = new InviteRequest(invitationId, host.id(), owner.nickname(), application, message,
					data, expiry);
			String key = key(connection.remote(), application.id());
			outgoing.merge(key, 1, Integer::sum);
			if (owner.name().compareTo(connection.remote()) < 0) {
				// The other side's invitation arrived first but ours survives a crossing: decline theirs here, as
				// they will decline nothing of ours.
				for (ReceivedInvitation inv : pending.values()) {
					if (inv.sender().equals(connection.remote()) && inv.application().id().equals(application.id())) {
						inv.decline(CROSSING).onErrorResume(e -> Mono.empty()).subscribe();
					}
				}
			}
			return connection.invite(request)
					.timeout(expiry.plus(EXPIRY_GRACE), Mono.just(new InviteReply(InvitationStatus.EXPIRED, "")),
							owner.timer)
					.flatMap(reply -> {
						if (reply.status() != InvitationStatus.ACCEPTED) {
							return Mono.just(InvitationResponse.of(reply.status(), reply.message()));
						}
						// the session waited for this answer unless it was disposed meanwhile by its user
						HostSession live = session.isDisposed() ? hosted.computeIfAbsent(application.id(),
								id -> new HostSession(UUID.randomUUID(), application, owner.name(), this)) : session;
						live.addMember(connection, invitationId);
						return Mono.just(InvitationResponse.accepted(reply.message(), live));
					})
					// This endpoint signing out (or closing) closes the connection under a pending invitation: that is
					// not the peer being unreachable, and must not read as if it were.
					.onErrorMap(e -> !(e instanceof NotSignedInException)
							&& owner.signInScope() == PeerScope.NONE,
							e -> new NotSignedInException("signed out while the invitation was pending", e))
					.doFinally(s -> {
						outgoing.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
						session.invitationEnded();
						session.closeIfUnused();
					});
		});
	}

	static void checkInvite(PeerApplication application, String message, byte[] data, Duration expiry) {
		java.util.Objects.requireNonNull(application, "application");
		java.util.Objects.requireNonNull(expiry, "expiry");
		Checks.size(data == null ? 0 : data.length, "data", Invitation.MAX_DATA_LENGTH);
		Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		if (expiry.isNegative() || expiry.isZero()) {
			throw new IllegalArgumentException("expiry must be positive, was " + expiry);
		}
	}

	void hostClosed(HostSession session) {
		hosted.remove(session.application().id(), session);
	}

	private static String key(PeerName peer, UUID app) {
		return peer + "/" + app;
	}

	/**
	 * Signing out of every scope answers the invitations still waiting for the local user: each sender gets DECLINED
	 * with a message saying why, while the transport is still up to carry it, instead of a lost connection. For the
	 * same reason it closes every session (hosted or joined) here: the other side's session completes, as after a
	 * goodbye, instead of failing as after a crash when the connection closes under it.
	 */
	void signingOut() {
		String why = owner.nickname() + " signed out";
		for (ReceivedInvitation inv : List.copyOf(pending.values())) {
			inv.decline(why).onErrorResume(e -> Mono.empty()).subscribe();
		}
		List.copyOf(hosted.values()).forEach(CollaborationSession::dispose);
		List.copyOf(joined).forEach(CollaborationSession::dispose);
	}

	/** Signing out ends what was pending: waiting invitations can no longer be answered. */
	void signedOut() {
		awaitingSession.values().forEach(ReceivedInvitation::withdraw);
		awaitingSession.clear();
	}

	void close() {
		signedOut();
		hosted.values().forEach(CollaborationSession::dispose);
		Emissions.complete(received);
	}

	static PeerUnreachableException sessionClosed() {
		return new PeerUnreachableException("the session is closed");
	}

}
