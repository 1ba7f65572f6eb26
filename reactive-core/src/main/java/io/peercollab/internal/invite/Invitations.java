// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.invite;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.peercollab.Checks;
import io.peercollab.CollaborationObserver;
import io.peercollab.CollaborationSession;
import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.Invitation;
import io.peercollab.InvitationPolicy;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.LimitExceededException;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotSignedInException;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Diagnoser;
import io.peercollab.internal.flow.Expiries;
import io.peercollab.internal.flow.SerialSink;
import io.peercollab.internal.observe.GuardedObserver;
import io.peercollab.internal.session.HostSession;
import io.peercollab.internal.session.MemberSession;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

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
public final class Invitations {

	static final String CROSSING = "crossing invitation: the peer whose name sorts first hosts the session";
	static final String NOT_REGISTERED = "application not registered here";
	static final Duration EXPIRY_GRACE = Duration.ofSeconds(10);
	static final Duration SESSION_OPEN_TIMEOUT = Duration.ofSeconds(30);
	static final Duration MAX_EXPIRY = Duration.ofHours(24);
	static final int PENDING_BUFFER = 256;
	/**
	 * How long a host session nobody joined outlives its last invitation, so that invitations sent one after the other
	 * share it instead of each making and closing one.
	 */
	static final Duration UNUSED_HOST_GRACE = Duration.ofSeconds(10);


	/** Whether a caller ({@code allowedContact} or not) may see an item published with {@code scope}. */
	@FunctionalInterface
	public interface Visibility {
		boolean visibleTo(boolean allowedContact, PeerScope scope);
	}

	private final Scheduler timer;
	/** Every deadline of this endpoint's invitations: expiries, their grace, session-open waits. */
	private final Expiries expiries;
	private final InvitationPolicy policy;
	private final int perPeerPerMinute;
	private final PeerName self;
	private final Supplier<String> nickname;
	private final Predicate<PeerName> isContact;
	private final Function<UUID, PeerApplication> applications;
	private final Visibility visibility;
	private final Supplier<PeerScope> signInScope;
	private final Diagnoser diagnostics;
	private final CollaborationObserver observer;
	private final ReceivedInvitation.Listener listener = new ReceivedListener();
	private final SerialSink<Invitation> received = new SerialSink<>(Sinks.many().multicast()
			.onBackpressureBuffer(PENDING_BUFFER, false));
	private final Map<UUID, ReceivedInvitation> awaitingSession = new ConcurrentHashMap<>();
	/** The sessions this endpoint is a member of, open now. */
	private final Set<MemberSession> joined = ConcurrentHashMap.newKeySet();
	private final Map<UUID, ReceivedInvitation> pending = new ConcurrentHashMap<>();
	/** Invitations this endpoint is sending now, by invitee and application: tells a crossing invitation. */
	private final Map<Outgoing, Integer> outgoing = new ConcurrentHashMap<>();
	private final Map<PeerName, Rate> rates = new ConcurrentHashMap<>();
	/**
	 * The host sessions open here: each was made when the first invitation naming it was accepted, and handed to the
	 * user; it closes as soon as it is unused.
	 */
	final Set<HostSession> hosted = ConcurrentHashMap.newKeySet();
	/**
	 * The session that the next invitation to each application names, by application id: only its id until an
	 * invitation naming it is accepted, so that a declined or expired invitation makes no session.
	 */
	final Map<UUID, Planned> planned = new ConcurrentHashMap<>();

	/**
	 * @param timer the endpoint's timer: its clock, and where the one task of the invitations' deadlines runs
	 * @param policy who may invite this endpoint
	 * @param perPeerPerMinute invitations one caller may send in a minute
	 * @param self this endpoint's name
	 * @param nickname this endpoint's nickname now
	 * @param isContact whether a caller is an allowed contact
	 * @param applications the registered application with an id, or {@code null}
	 * @param visibility who sees an application
	 * @param signInScope this endpoint's sign-in scope now
	 * @param diagnostics where refusals are reported
	 * @param observer told about invitations both ways and the sessions they open (guarded: it does not throw)
	 */
	public Invitations(Scheduler timer, InvitationPolicy policy, int perPeerPerMinute, PeerName self,
			Supplier<String> nickname, Predicate<PeerName> isContact, Function<UUID, PeerApplication> applications,
			Visibility visibility, Supplier<PeerScope> signInScope, Diagnoser diagnostics,
			CollaborationObserver observer) {
		this.timer = timer;
		this.expiries = new Expiries(timer);
		this.policy = policy;
		this.perPeerPerMinute = perPeerPerMinute;
		this.self = self;
		this.nickname = nickname;
		this.isContact = isContact;
		this.applications = applications;
		this.visibility = visibility;
		this.signInScope = signInScope;
		this.diagnostics = diagnostics;
		this.observer = observer;
	}

	public Flux<Invitation> received() {
		return received.asFlux();
	}

	// ----- receiving -------------------------------------------------------------------------------------------------

	/**
	 * @return at each subscription, the invitation received: checked against the rules, handed to the user, and its
	 * answer once given (cancelling it withdraws the invitation)
	 */
	public Mono<InviteReply> receive(PeerName caller, @Nullable PeerAddress from, InviteRequest request) {
		return new Receive(caller, from, request);
	}

	/**
	 * {@link #receive}: one operator in place of {@code defer} (a lambda and an operator per invitation); the answer
	 * is the received invitation's own {@link ReceivedInvitation#reply()}.
	 */
	private final class Receive extends Mono<InviteReply> {

		private final PeerName caller;
		private final @Nullable PeerAddress from;
		private final InviteRequest request;

		Receive(PeerName caller, @Nullable PeerAddress from, InviteRequest request) {
			this.caller = caller;
			this.from = from;
			this.request = request;
		}

		@Override
		public void subscribe(CoreSubscriber<? super InviteReply> actual) {
			Mono<InviteReply> answer;
			try {
				answer = admit(caller, from, request);
			}
			catch (Throwable e) {
				Operators.error(actual, Operators.onOperatorError(e, actual.currentContext()));
				return;
			}
			answer.subscribe(actual);
		}
	}

	/** @return the refusal of an invitation, or the invitation received (handed to the user now), whose answer it is */
	private Mono<InviteReply> admit(PeerName caller, @Nullable PeerAddress from, InviteRequest request) {
		long arrived = GuardedObserver.now();
		observer.invitationReceived(caller, request.application());
		long now = timer.now(TimeUnit.MILLISECONDS);
		if (!withinRate(caller, now)) {
			refused(caller, request, arrived);
			diagnostics.diagnose(Diagnostic.Kind.REJECTED_REQUEST, caller + " sent more than " + perPeerPerMinute
					+ " invitations in a minute");
			return Mono.error(new LimitExceededException("invitationsPerPeerPerMinute (" + perPeerPerMinute
					+ ") exceeded: wait before inviting this peer again"));
		}
		boolean contact = isContact.test(caller);
		if (policy == InvitationPolicy.CONTACTS_ONLY && !contact) {
			refused(caller, request, arrived);
			return Mono.error(new NotAuthorizedException(self + " accepts invitations from its contacts only"));
		}
		PeerApplication app = applications.apply(request.application().id());
		// An application the caller cannot see is refused exactly as one that is not registered: the answer must
		// not tell a stranger that an INTERNET-only (or NONE) application exists here.
		if (app == null || !visibility.visibleTo(contact, app.scope())) {
			refused(caller, request, arrived);
			return Mono.just(new InviteReply(InvitationStatus.DECLINED, NOT_REGISTERED));
		}
		if (!outgoing.isEmpty() && self.compareTo(caller) < 0
				&& outgoing.containsKey(new Outgoing(caller, app.id()))) {
			refused(caller, request, arrived);
			return Mono.just(new InviteReply(InvitationStatus.DECLINED, CROSSING));
		}
		Duration expiry = request.expiry().compareTo(MAX_EXPIRY) > 0 ? MAX_EXPIRY : request.expiry();
		ReceivedInvitation inv = new ReceivedInvitation(request, caller, from, contact, app, now + expiry.toMillis(),
				expiries, listener);
		pending.put(inv.id(), inv);
		inv.startExpiry();
		// refused when the buffer is full, now or, behind a racing emission, as soon as it is the invitation's turn
		received.next(inv, r -> inv.refuse("too many invitations waiting for an answer here; try again later"));
		return inv.reply();
	}

	/** An invitation was declined by a rule before anyone saw it. */
	private void refused(PeerName caller, InviteRequest request, long arrived) {
		observer.invitationResponded(caller, request.application(), InvitationState.DECLINED,
				GuardedObserver.since(arrived));
	}

	private boolean withinRate(PeerName caller, long now) {
		return rates.computeIfAbsent(caller, k -> new Rate()).tryAcquire(now, perPeerPerMinute);
	}

	/** The times of one caller's invitations within the last minute, oldest first, in a ring that grows as needed. */
	private static final class Rate {

		private long[] times = new long[8];
		private int head;
		private int count;

		synchronized boolean tryAcquire(long now, int limit) {
			while (count > 0 && times[head] <= now - 60_000) {
				head = (head + 1) % times.length;
				count--;
			}
			if (count >= limit) {
				return false;
			}
			if (count == times.length) {
				long[] grown = new long[Math.min(limit, times.length * 2)];
				for (int i = 0; i < count; i++) {
					grown[i] = times[(head + i) % times.length];
				}
				times = grown;
				head = 0;
			}
			times[(head + count) % times.length] = now;
			count++;
			return true;
		}
	}

	/** What the invitations received tell this endpoint. */
	private final class ReceivedListener implements ReceivedInvitation.Listener {

		@Override
		public void ended(ReceivedInvitation inv, InvitationState state) {
			pending.remove(inv.id(), inv);
			observer.invitationResponded(inv.sender(), inv.application(), state,
					GuardedObserver.since(inv.arrivedNanos));
		}

		@Override
		public void awaitingSession(ReceivedInvitation inv) {
			awaitingSession.put(inv.id(), inv);
		}

		@Override
		public void sessionAbandoned(ReceivedInvitation inv) {
			awaitingSession.remove(inv.id(), inv);
		}
	}

	public Flux<SessionFrame> serveSession(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
		return Flux.defer(() -> {
			ReceivedInvitation inv = awaitingSession.remove(open.invitationId());
			if (inv == null || !inv.sender().equals(caller) || !inv.sessionId().equals(open.sessionId())) {
				return Flux.error(new InvalidRequestException(
						"no accepted invitation " + open.invitationId() + " from " + caller + " waits for a session"));
			}
			MemberSession session = new MemberSession(open.sessionId(), inv.application(), caller, observer);
			joined.add(session);
			observer.sessionOpened(session);
			session.onClose().onErrorResume(e -> Mono.empty()).doFinally(s -> joined.remove(session)).subscribe();
			inv.sessionOpened(session);
			return session.serve(inbound);
		});
	}

	// ----- sending ---------------------------------------------------------------------------------------------------

	/**
	 * Invites over one connection; the host session for the application is shared by every invitee. The invitation
	 * names the session planned for the application; the session is made only once an invitation naming it is
	 * accepted.
	 */
	public Mono<InvitationResponse> send(PeerConnection connection, PeerApplication application, String message, byte[] data,
			Duration expiry) {
		return new Send(connection, application, message, data, expiry);
	}

	/**
	 * One invitation, sent at each subscription. One operator instead of {@code defer}, a timeout, {@code map},
	 * {@code onErrorMap} and {@code doFinally}: an invitation is sent as often as a request-response, and each of those
	 * is an object per call or more.
	 */
	private final class Send extends Mono<InvitationResponse> {

		private final PeerConnection connection;
		private final PeerApplication application;
		private final String message;
		private final byte[] data;
		private final Duration expiry;

		Send(PeerConnection connection, PeerApplication application, String message, byte[] data, Duration expiry) {
			this.connection = connection;
			this.application = application;
			this.message = message;
			this.data = data;
			this.expiry = expiry;
		}

		@Override
		public void subscribe(CoreSubscriber<? super InvitationResponse> actual) {
			Planned plan = planned.get(application.id());
			if (plan == null) {
				plan = planned.computeIfAbsent(application.id(), id -> new Planned(application));
			}
			while (!plan.invitationSent()) {
				// ended between the look-up and now: plan a new one
				planned.remove(application.id(), plan);
				plan = planned.computeIfAbsent(application.id(), id -> new Planned(application));
			}
			PeerName invitee = connection.remote();
			Outgoing key = new Outgoing(invitee, application.id());
			outgoing.merge(key, 1, Integer::sum);
			long sent = GuardedObserver.now();
			observer.invitationSent(invitee, application, actual.currentContext());
			Mono<InviteReply> reply;
			UUID invitationId;
			try {
				// random, not a count: a count would tell the invitee how many invitations this endpoint sent to others
				invitationId = UUID.randomUUID();
				reply = connection.invite(new InviteRequest(invitationId, plan.id, nickname.get(), application, message,
						data, expiry));
			}
			catch (Throwable e) {
				ended(key, plan);
				observer.invitationFailed(invitee, application, e, GuardedObserver.since(sent),
						actual.currentContext());
				Operators.error(actual, Operators.onOperatorError(e, actual.currentContext()));
				return;
			}
			if (!pending.isEmpty() && self.compareTo(invitee) < 0) {
				// The other side's invitation arrived first but ours survives a crossing: decline theirs here, as
				// they will decline nothing of ours.
				for (ReceivedInvitation inv : pending.values()) {
					if (inv.sender().equals(invitee) && inv.application().id().equals(application.id())) {
						inv.decline(CROSSING).onErrorResume(e -> Mono.empty()).subscribe();
					}
				}
			}
			reply.subscribe(new Answer(actual, connection, invitationId, key, plan,
					expiry.toMillis() + EXPIRY_GRACE.toMillis(), application, sent));
		}
	}

	/** An invitation ended (answered, failed, expired or cancelled): it no longer counts. */
	private void ended(Outgoing key, Planned plan) {
		outgoing.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
		plan.invitationEnded();
	}

	/**
	 * The answer to one invitation, or {@code EXPIRED} once the invitation's expiry and {@link #EXPIRY_GRACE} passed
	 * without one (the request is then cancelled). Exactly one of the answer, a failure, the expiry or a cancellation
	 * ends it, and then it no longer counts: see {@link #ended}.
	 */
	private final class Answer extends Operators.MonoSubscriber<InviteReply, InvitationResponse> {

		private static final AtomicIntegerFieldUpdater<Answer> ENDED =
				AtomicIntegerFieldUpdater.newUpdater(Answer.class, "ended");

		private final PeerConnection connection;
		private final UUID invitationId;
		private final Outgoing key;
		private final Planned plan;
		private final long timeoutMillis;
		private final PeerApplication application;
		/** When it was sent, on {@link GuardedObserver#now()}'s clock. */
		private final long sentNanos;
		private final Expiries.Entry deadline = new Expiries.Entry() {
			@Override
			protected void expired() {
				if (end()) {
					upstream.cancel();
					observer.invitationAnswered(key.invitee(), application, InvitationStatus.EXPIRED,
							GuardedObserver.since(sentNanos), actual.currentContext());
					complete(InvitationResponse.of(InvitationStatus.EXPIRED, ""));
					ended(key, plan);
				}
			}
		};
		private Subscription upstream;
		private volatile int ended;

		Answer(CoreSubscriber<? super InvitationResponse> actual, PeerConnection connection, UUID invitationId,
				Outgoing key, Planned plan, long timeoutMillis, PeerApplication application, long sentNanos) {
			super(actual);
			this.application = application;
			this.sentNanos = sentNanos;
			this.connection = connection;
			this.invitationId = invitationId;
			this.key = key;
			this.plan = plan;
			this.timeoutMillis = timeoutMillis;
		}

		private boolean end() {
			return ENDED.compareAndSet(this, 0, 1);
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				actual.onSubscribe(this);
				if (ended == 0) {
					// after onSubscribe: a virtual-time scheduler may run a due deadline at once
					expiries.addAt(deadline, expiries.now() + timeoutMillis);
				}
				s.request(Long.MAX_VALUE);
			}
		}

		@Override
		public void onNext(InviteReply reply) {
			if (!end()) {
				return;
			}
			expiries.remove(deadline);
			InvitationResponse response;
			try {
				if (reply.status() != InvitationStatus.ACCEPTED) {
					response = InvitationResponse.of(reply.status(), reply.message(), reply.extendedCode());
				}
				else {
					HostSession live = plan.session();
					// the member's channel carries the context of the subscriber of invite(..): a trace goes on
					live.addMember(connection, invitationId, actual.currentContext());
					response = InvitationResponse.accepted(reply.message(), reply.extendedCode(), live);
				}
			}
			catch (Throwable e) {
				observer.invitationFailed(key.invitee(), application, e, GuardedObserver.since(sentNanos),
						actual.currentContext());
				actual.onError(Operators.onOperatorError(upstream, e, reply, actual.currentContext()));
				ended(key, plan);
				return;
			}
			observer.invitationAnswered(key.invitee(), application, response.status(), GuardedObserver.since(sentNanos),
					actual.currentContext());
			complete(response);
			ended(key, plan);
		}

		@Override
		public void onError(Throwable e) {
			if (!end()) {
				Operators.onErrorDropped(e, actual.currentContext());
				return;
			}
			expiries.remove(deadline);
			// This endpoint signing out (or closing) closes the connection under a pending invitation: that is not the
			// peer being unreachable, and must not read as if it were.
			Throwable error = !(e instanceof NotSignedInException) && signInScope.get() == PeerScope.NONE
					? new NotSignedInException("signed out while the invitation was pending", e)
					: e;
			observer.invitationFailed(key.invitee(), application, error, GuardedObserver.since(sentNanos),
					actual.currentContext());
			actual.onError(error);
			ended(key, plan);
		}

		@Override
		public void onComplete() {
			if (end()) {
				// no answer at all: nothing to map, as from an empty source
				expiries.remove(deadline);
				actual.onComplete();
				ended(key, plan);
			}
		}

		@Override
		public void cancel() {
			super.cancel();
			if (end()) {
				expiries.remove(deadline);
				upstream.cancel();
				observer.invitationFailed(key.invitee(), application,
						new CancellationException("the invitation was cancelled by its subscriber"),
						GuardedObserver.since(sentNanos), actual.currentContext());
				ended(key, plan);
			}
		}
	}

	public static void checkInvite(PeerApplication application, String message, byte[] data, Duration expiry) {
		java.util.Objects.requireNonNull(application, "application");
		java.util.Objects.requireNonNull(expiry, "expiry");
		Checks.size(data == null ? 0 : data.length, "data", Invitation.MAX_DATA_LENGTH);
		Checks.text(message, "message", Invitation.MAX_MESSAGE_LENGTH);
		if (expiry.isNegative() || expiry.isZero()) {
			throw new IllegalArgumentException("expiry must be positive, was " + expiry);
		}
	}

	/** A host session closed: the next invitation to its application names a new one. */
	public void hostClosed(HostSession session) {
		hosted.remove(session);
		Planned plan = planned.get(session.application().id());
		if (plan != null) {
			plan.hostClosed(session);
		}
	}

	/**
	 * The host session that invitations to one application name: its id from the first invitation on, the session
	 * itself from the first acceptance on. Nobody joined it while {@link #session} is null; it is forgotten
	 * {@link #UNUSED_HOST_GRACE} after its last invitation was answered, so that invitations sent one after the other
	 * name the same session, and once its session closed.
	 */
	final class Planned extends Expiries.Entry {

		final UUID id = UUID.randomUUID();
		private final PeerApplication application;
		/** Invitations naming this session and not answered yet; shared with {@link #session} once made. */
		private final AtomicInteger invitationsOut = new AtomicInteger();
		// guarded by this
		private HostSession session;
		private boolean ended;
		/** Whether this plan waits in {@link #expiries} for its grace to pass. */
		private boolean queued;
		/** When its last invitation was answered, on {@link #expiries}' clock. */
		private long lastEndedAt;

		Planned(PeerApplication application) {
			this.application = application;
		}

		/** @return {@code false} if this plan ended: the invitation must name another one */
		synchronized boolean invitationSent() {
			if (ended) {
				return false;
			}
			invitationsOut.incrementAndGet();
			return true;
		}

		/**
		 * An invitation naming this session was accepted: the session, made now if none is open. One the user closed
		 * while the invitation was pending is made again under the same id, the one the invitee expects.
		 */
		HostSession session() {
			HostSession s;
			boolean made = false;
			synchronized (this) {
				s = session;
				if (s == null || s.isDisposed()) {
					s = new HostSession(id, application, self, Invitations.this, invitationsOut, observer);
					session = s;
					made = true;
				}
			}
			if (made) {
				observer.sessionOpened(s);
			}
			hosted.add(s);
			if (s.isDisposed()) {
				// closed meanwhile: hostClosed may have missed the entry just made
				hosted.remove(s);
			}
			return s;
		}

		/**
		 * An invitation naming this session was answered, or failed; an accepted one added its member first, so a
		 * session made for it closes here only if that member left already.
		 */
		void invitationEnded() {
			invitationsOut.decrementAndGet();
			HostSession s;
			synchronized (this) {
				s = session;
				if (s == null) {
					// queued once, not moved at each answer: expired() waits again if answers came meanwhile
					lastEndedAt = expiries.now();
					if (!ended && !queued) {
						queued = true;
						expiries.addAt(this, lastEndedAt + UNUSED_HOST_GRACE.toMillis());
					}
					return;
				}
			}
			s.closeIfUnused();
		}

		/** The grace after its last invitation passed: forgotten if nobody was invited meanwhile. */
		@Override
		protected void expired() {
			synchronized (this) {
				queued = false;
				if (session != null || invitationsOut.get() > 0) {
					return;
				}
				long due = lastEndedAt + UNUSED_HOST_GRACE.toMillis();
				if (!ended && expiries.now() < due) {
					// an invitation was answered since this was queued: the grace counts from that answer
					queued = true;
					expiries.addAt(this, due);
					return;
				}
				ended = true;
			}
			planned.remove(application.id(), this);
		}

		synchronized void hostClosed(HostSession closed) {
			if (session == closed) {
				ended = true;
				planned.remove(application.id(), this);
			}
		}

		void close() {
			synchronized (this) {
				ended = true;
			}
			expiries.remove(this);
			planned.remove(application.id(), this);
		}
	}

	/**
	 * An invitee and an application: the key of {@link #outgoing}. Equality written out: the record's generated one
	 * runs through method handles, about 0.7% of an invitation's CPU samples (JFR, InvitationBenchmark).
	 */
	private record Outgoing(PeerName invitee, UUID application) {

		@Override
		public boolean equals(Object o) {
			return o == this
					|| o instanceof Outgoing k && invitee.equals(k.invitee) && application.equals(k.application);
		}

		@Override
		public int hashCode() {
			return 31 * invitee.hashCode() + application.hashCode();
		}
	}

	/**
	 * Signing out of every scope answers the invitations still waiting for the local user: each sender gets DECLINED
	 * with a message saying why, while the transport is still up to carry it, instead of a lost connection. For the
	 * same reason it closes every session (hosted or joined) here: the other side's session completes, as after a
	 * goodbye, instead of failing as after a crash when the connection closes under it.
	 */
	public void signingOut() {
		String why = nickname.get() + " signed out";
		for (ReceivedInvitation inv : List.copyOf(pending.values())) {
			inv.decline(why).onErrorResume(e -> Mono.empty()).subscribe();
		}
		List.copyOf(hosted).forEach(CollaborationSession::dispose);
		List.copyOf(joined).forEach(CollaborationSession::dispose);
	}

	/** Signing out ends what was pending: waiting invitations can no longer be answered. */
	public void signedOut() {
		awaitingSession.values().forEach(ReceivedInvitation::withdraw);
		awaitingSession.clear();
	}

	public void close() {
		signedOut();
		List.copyOf(planned.values()).forEach(Planned::close);
		List.copyOf(hosted).forEach(CollaborationSession::dispose);
		received.complete();
		expiries.dispose();
	}

	public static PeerUnreachableException sessionClosed() {
		return new PeerUnreachableException("the session is closed");
	}

}
