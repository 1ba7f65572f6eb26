// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.InvitationResponse;
import io.peercollab.InvitationStatus;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotSignedInException;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerObject;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expand;
import io.peercollab.internal.invite.Invitations;
import io.peercollab.internal.resolution.EndpointResolution;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;
import reactor.util.retry.Retry;

/**
 * A remote endpoint as this endpoint reaches it: a peer near me (several addresses of one endpoint) or a contact
 * (possibly several endpoints signed in with the same identity).
 */
public final class RemotePeer implements PeerNearMe {

	static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
	static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
	/**
	 * A contact may be away for hours, and each attempt to reach it may ask the DHT: its follower backs off further,
	 * so that a user with many offline contacts does not send the DHT a lookup every few seconds for each.
	 */
	static final Duration MAX_CONTACT_BACKOFF = Duration.ofSeconds(30);
	/**
	 * How long a followed peer whose stream broke may take to be back before it is reported offline; a failed
	 * reconnection reports it at once.
	 */
	static final Duration LOST_GRACE = Duration.ofSeconds(1);

	/**
	 * What every remote peer of one endpoint reaches through: the endpoint's transport binding (null while signed out),
	 * the sources of a contact's addresses, the invitations sender, the default expiry, and the timer.
	 */
	public static final class Reach {

		private final Supplier<TransportBinding> binding;
		private final EndpointResolution resolution;
		private final Invitations invitations;
		private final Duration invitationExpiry;
		private final Scheduler timer;
		/** One remote follow stream per followed peer, shared by every local subscriber. */
		final SharedFollows follows = new SharedFollows();
		final java.util.function.BiFunction<PeerName, io.peercollab.PeerAddress, String> announcedName;
		/** One watch of the endpoints per peer, shared by every local subscriber. */
		final EndPointWatches endPointWatches;
		/** How this endpoint is connected to each peer: the paths of the connections it opened. */
		final PeerPaths paths = new PeerPaths();
		/** Where an address that failed while connecting is reported. */
		final java.util.function.Consumer<io.peercollab.Diagnostic> diagnostics;

		public Reach(Supplier<TransportBinding> binding, EndpointResolution resolution, Invitations invitations,
				Duration invitationExpiry, Scheduler timer) {
			this(binding, resolution, invitations, invitationExpiry, timer, (name, address) -> "");
		}

		/**
		 * @param announcedName the endpoint name a peer near me announced at an address, or {@code ""}: what
		 * {@link RemotePeer#endPointChanges()} shows as an endpoint's name
		 */
		public Reach(Supplier<TransportBinding> binding, EndpointResolution resolution, Invitations invitations,
				Duration invitationExpiry, Scheduler timer,
				java.util.function.BiFunction<PeerName, io.peercollab.PeerAddress, String> announcedName) {
			this(binding, resolution, invitations, invitationExpiry, timer, announcedName, d -> { });
		}

		/**
		 * @param diagnostics where an address that failed while connecting is reported ({@code PATH_FAILED})
		 */
		public Reach(Supplier<TransportBinding> binding, EndpointResolution resolution, Invitations invitations,
				Duration invitationExpiry, Scheduler timer,
				java.util.function.BiFunction<PeerName, io.peercollab.PeerAddress, String> announcedName,
				java.util.function.Consumer<io.peercollab.Diagnostic> diagnostics) {
			this.diagnostics = diagnostics;
			this.announcedName = announcedName;
			this.binding = binding;
			this.resolution = resolution;
			this.invitations = invitations;
			this.invitationExpiry = invitationExpiry;
			this.timer = timer;
			this.endPointWatches = new EndPointWatches(timer);
		}

		/** Makes the watches of {@code name}'s endpoints ({@link RemotePeer#endPointChanges()}) look for them now. */
		public void rescanEndPoints(PeerName name) {
			endPointWatches.rescan(name);
		}

		/**
		 * This endpoint signed out of every scope: the contacts' merged {@link RemotePeer#events()} end with
		 * {@link NotSignedInException}, even those of which no endpoint was reached.
		 */
		public void signedOut() {
			endPointWatches.signedOut();
		}

		/**
		 * Endpoints of {@code name} were learnt (a peer near me proved the name at them): the watches of a contact
		 * with that name reach those they do not follow yet, now.
		 */
		public void endPointsLearnt(PeerName name, List<PeerEndPoint> endPoints) {
			endPointWatches.learnt(name, endPoints);
		}

		public Supplier<TransportBinding> binding() {
			return binding;
		}

		public EndpointResolution resolution() {
			return resolution;
		}

		public Invitations invitations() {
			return invitations;
		}

		public Duration invitationExpiry() {
			return invitationExpiry;
		}

		public Scheduler timer() {
			return timer;
		}
	}

	private final Reach reach;
	private final PeerName name;
	private final String nickname;
	private final List<PeerEndPoint> endPoints;
	/**
	 * null: every endpoint is an address of one process (a peer near me, or a name at an address); else a contact,
	 * whose endpoints come from every source of {@link EndpointResolution} and may be different processes.
	 */
	private final PeerContact contact;
	private volatile boolean verified;
	/** What a peer near me announced; {@code ""} otherwise. */
	private String endPointName = "";
	private String machineName = "";
	/**
	 * The calls that took an open connection and asked for a resolution for the watches since the one running
	 * started; zero when none runs ({@link #resolveForWatches()}).
	 */
	private final AtomicInteger watchResolutions = new AtomicInteger();

	/** A peer near me, or a name at a known address: the endpoints are addresses of one process. */
	public RemotePeer(Reach reach, PeerName name, String nickname, List<PeerEndPoint> endPoints) {
		this.reach = reach;
		this.name = name;
		this.nickname = nickname == null ? "" : nickname;
		this.endPoints = List.copyOf(endPoints);
		this.contact = null;
	}

	/** A contact, reached wherever any source says it is. */
	public RemotePeer(Reach reach, PeerContact contact) {
		this.reach = reach;
		this.name = contact.name();
		this.nickname = contact.nickname();
		this.endPoints = contact.endPoints();
		this.contact = contact;
	}

	public RemotePeer with(String newNickname, List<PeerEndPoint> newEndPoints) {
		RemotePeer p = new RemotePeer(reach, name, newNickname, newEndPoints);
		p.verified = verified;
		p.endPointName = endPointName;
		p.machineName = machineName;
		return p;
	}

	/** @return a copy of this peer near me with the endpoint and machine names it announced */
	public RemotePeer withNames(String newEndPointName, String newMachineName) {
		RemotePeer p = with(nickname, endPoints);
		p.endPointName = newEndPointName == null ? "" : newEndPointName;
		p.machineName = newMachineName == null ? "" : newMachineName;
		return p;
	}

	@Override
	public String endPointName() {
		return endPointName;
	}

	@Override
	public String machineName() {
		return machineName;
	}

	/**
	 * The addresses to try: this peer's own, or for a contact every source's, each address once; those of a contact
	 * are also given to the watches of its endpoints ({@link Reach#endPointsLearnt}), unless a watch is asking.
	 */
	private Flux<PeerEndPoint> candidates(boolean tellWatches) {
		return candidates(tellWatches, null);
	}

	/**
	 * As {@link #candidates(boolean)}, telling {@code order} which device each resolved address belongs to, where its
	 * source says.
	 */
	private Flux<PeerEndPoint> candidates(boolean tellWatches, DialOrder order) {
		if (contact == null) {
			// tried in turn: the addresses the transport delays (a relay) after the others, each kind in its order
			TransportBinding b = reach.binding().get();
			return Flux.fromIterable(endPoints).sort(Comparator.comparing(ep -> b.dialDelay(ep.address())));
		}
		Flux<PeerEndPoint> found = resolved(order);
		if (!tellWatches) {
			return found;
		}
		return Flux.defer(() -> {
			if (!reach.endPointWatches.watching(name)) {
				return found;
			}
			// the endpoints are watched: the resolution runs to its end (each source completes within a bound) even
			// once the caller has the answer it needed, so that every endpoint it returns is followed now
			return found.doOnNext(this::tellWatches).replay().autoConnect();
		});
	}

	/** @return what every source of this contact's addresses says, each address once, telling {@code order} devices */
	private Flux<PeerEndPoint> resolved(DialOrder order) {
		return reach.resolution().resolve(contact)
				.doOnNext(r -> {
					if (order != null) {
						order.device(r.endPoint().address(), r.device());
					}
				})
				.map(EndpointRecord::endPoint)
				.distinct(PeerEndPoint::address);
	}

	/** Gives {@code ep}, an endpoint a resolution returned, to the watches of this contact's endpoints. */
	private void tellWatches(PeerEndPoint ep) {
		reach.endPointWatches.learnt(name, List.of(ep));
	}

	/**
	 * A read or an invitation that takes an open connection asks no source for itself, but the watches of this
	 * contact's endpoints (its {@link #events()} and {@link #endPointChanges()}), if any, still hear every endpoint the
	 * sources return now, as when each call resolved: an endpoint that a resolver newly returns is followed at once,
	 * not at the next rescan. The resolution runs beside the call, which does not wait for it; the calls that come
	 * while one runs are served by one more that starts after it, so a followed contact that is read often has its
	 * sources asked one round at a time.
	 */
	private void resolveForWatches() {
		if (!reach.endPointWatches.watching(name) || watchResolutions.getAndIncrement() != 0) {
			return;
		}
		int[] served = new int[1];
		Mono.defer(() -> {
			served[0] = watchResolutions.get();
			// a source's failure is the resolution's to report; nothing may stop the rounds that are due
			return resolved(null).doOnNext(this::tellWatches).then().onErrorResume(e -> Mono.empty());
		}).repeat(() -> watchResolutions.addAndGet(-served[0]) != 0).subscribe();
	}

	/**
	 * One round of connecting to this peer's candidate addresses: an address that does not answer, or where someone
	 * else proves another key (a lying source), is skipped and remembered, so that the error says why none worked.
	 */
	private final class Attempts {

		private final TransportBinding binding = reach.binding().get();
		private final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		private final AtomicInteger tried = new AtomicInteger();

		/** Dials the addresses in the order the transport asks for: costly paths (a relay) last. */
		final DialOrder order = new DialOrder(binding, reach.timer());

		/** @return the connections of the candidates dialled one after the other */
		Flux<PeerConnection> inTurn(Flux<PeerEndPoint> candidates) {
			return candidates.doOnComplete(order::complete).concatMap(this::connect);
		}

		/** @return the connections of every candidate dialled at once, in the transport's dial order */
		Flux<PeerConnection> race(Flux<PeerEndPoint> candidates) {
			return candidates.doOnComplete(order::complete).flatMap(this::connect);
		}

		/** @return the proven connection, or empty if this address failed */
		Mono<PeerConnection> connect(PeerEndPoint ep) {
			return order.dial(ep.address(), Mono.defer(() -> {
				tried.incrementAndGet();
				Mono<PeerConnection> c = binding.connect(name, ep.address())
						.doOnNext(x -> reach.paths.opened(name, x));
				if (contact != null) {
					c = c.doOnNext(x -> reach.resolution().seen(name, ep, x));
				}
				return c.onErrorResume(e -> e instanceof PeerUnreachableException
						|| e instanceof PeerIdentityMismatchException, e -> {
					failures.add(e);
					reach.diagnostics.accept(new io.peercollab.Diagnostic(java.time.Instant.now(),
							io.peercollab.Diagnostic.Kind.PATH_FAILED, "could not use " + ep.address() + " to reach "
									+ name + ": " + e.getMessage(), name, ep.address(), e));
					return Mono.empty();
				});
			}));
		}

		/** @return why nothing answered: a key mismatch if one was seen, else unreachable, saying where it looked */
		io.peercollab.PeerCollabException failure() {
			synchronized (failures) {
				for (Throwable t : failures) {
					if (t instanceof PeerIdentityMismatchException m) {
						return m;
					}
				}
			}
			if (tried.get() == 0) {
				return new PeerUnreachableException(name + " has no known endpoint: " + (contact == null
						? "none was given"
						: "its card lists none, it was not reached before, it is not near, and no resolver found it"));
			}
			List<Throwable> why;
			synchronized (failures) {
				why = List.copyOf(failures);
			}
			StringBuilder message = new StringBuilder("no endpoint of ").append(name).append(" answered (tried ")
					.append(tried.get()).append(')');
			for (int i = 0; i < why.size() && i < 3; i++) {
				message.append(i == 0 ? ": " : "; ").append(why.get(i).getMessage());
			}
			if (why.size() > 3) {
				message.append("; and ").append(why.size() - 3).append(" more");
			}
			PeerUnreachableException e = new PeerUnreachableException(message.toString());
			why.forEach(e::addSuppressed);
			return e;
		}
	}

	@Override
	public PeerName name() {
		return name;
	}

	@Override
	public String nickname() {
		return nickname;
	}

	@Override
	public List<PeerEndPoint> endPoints() {
		return endPoints;
	}

	@Override
	public io.peercollab.ConnectionPath path() {
		return reach.paths.path(name);
	}

	@Override
	public Flux<io.peercollab.ConnectionPath> pathChanges() {
		return reach.paths.changes(name);
	}

	@Override
	public boolean isVerified() {
		return verified;
	}

	/** Marks this peer as having proven its name (near me: the connection that verified it stays watched). */
	public void markVerified() {
		verified = true;
	}

	/**
	 * A connection to this peer that proved its name. For a contact, an open connection that proved it is taken as it
	 * is ({@link #live()}), as invitations take it; the sources are asked and the addresses dialled only when none is
	 * open ({@link #dialled()}).
	 */
	public Mono<PeerConnection> connection() {
		return over(Mono::just);
	}

	/**
	 * The first endpoint that answers and proves the name. An endpoint that proves another key is skipped (someone
	 * else may listen at an address announced for this name); if no endpoint proves the name, the error says why.
	 */
	private Mono<PeerConnection> dialled() {
		Attempts attempts = new Attempts();
		// One process's addresses are tried in turn; a contact's sources race, the first proven answer wins.
		Flux<PeerConnection> connected = contact == null ? attempts.inTurn(candidates(true))
				: attempts.race(candidates(true, attempts.order));
		return connected
				.next()
				.switchIfEmpty(Mono.error(attempts::failure))
				.doOnNext(c -> verified = true);
	}

	/**
	 * For a contact: the open connection that proved its name on the most direct path, taken without asking any
	 * source or dialling ({@link EndpointResolution#mostDirectLive}); the watches of its endpoints still hear what the
	 * sources say ({@link #resolveForWatches()}).
	 *
	 * @return that connection, or {@code null} for a peer near me, a name at an address, a contact with none open, or
	 *     while this endpoint is signed out (a read then fails as it always did, whatever is still closing)
	 */
	private PeerConnection live() {
		if (contact == null || !signedIn()) {
			return null;
		}
		PeerConnection c = reach.resolution().mostDirectLive(name);
		if (c != null) {
			verified = true;
			resolveForWatches();
		}
		return c;
	}

	/**
	 * {@code request} over {@link #connection()}, made at subscription: over an open connection, with no operator of
	 * its own besides the defer (a read of a contact is as frequent as the application likes).
	 */
	private <T> Mono<T> over(Function<PeerConnection, Mono<T>> request) {
		return Mono.defer(() -> {
			PeerConnection live = live();
			return live != null ? request.apply(live) : dialled().flatMap(request);
		});
	}

	/** As {@link #over}, for a request that answers a stream. */
	private <T> Flux<T> overMany(Function<PeerConnection, Flux<T>> request) {
		return Flux.defer(() -> {
			PeerConnection live = live();
			return live != null ? request.apply(live) : dialled().flatMapMany(request);
		});
	}

	@Override
	public Mono<PresenceInfo> presence() {
		return over(PeerConnection::presence);
	}

	@Override
	public Flux<PeerApplication> applications() {
		return overMany(PeerConnection::applications);
	}

	@Override
	public Flux<PeerObject> objects() {
		return overMany(PeerConnection::objects);
	}

	/** A card fetched over a connection, with the name that connection proved. */
	public record ProvenCard(PeerName provenBy, String xml) {
	}

	public Mono<ProvenCard> provenCard() {
		return over(c -> c.card().map(xml -> new ProvenCard(c.remote(), xml)));
	}

	@Override
	public Mono<InvitationResponse> invite(PeerApplication application, String message, byte[] data) {
		return invite(application, message, data, reach.invitationExpiry());
	}

	@Override
	public Mono<InvitationResponse> invite(PeerApplication application, String message, byte[] data,
			Duration expiry) {
		try {
			Invitations.checkInvite(application, message, data, expiry);
		}
		catch (RuntimeException e) {
			return Mono.error(e);
		}
		if (contact == null) {
			return connection().flatMap(c -> reach.invitations().send(c, application, message, data, expiry));
		}
		// A contact may be signed in on several endpoints: invite each; the first ACCEPTED wins (the others are
		// withdrawn), else DECLINED if any declined, else EXPIRED. The open connections that proved it are used as they
		// are, without asking every source again; its addresses are resolved only when none is open, or none of them
		// carried the invitation (it may have moved).
		return new ContactInvite(application, message, data, expiry);
	}

	/**
	 * An invitation to a contact, sent at each subscription: over the one connection open to it when there is one,
	 * its addresses resolved if that fails as unreachable; over each when there are several; else resolved. One
	 * operator for the usual case, in place of {@code defer} and {@code onErrorResume} (each a lambda or two and an
	 * operator per invitation, and another per subscription).
	 */
	private final class ContactInvite extends Mono<InvitationResponse> {

		private final PeerApplication application;
		private final String message;
		private final byte[] data;
		private final Duration expiry;

		ContactInvite(PeerApplication application, String message, byte[] data, Duration expiry) {
			this.application = application;
			this.message = message;
			this.data = data;
			this.expiry = expiry;
		}

		Mono<InvitationResponse> resolved() {
			return inviteResolved(application, message, data, expiry);
		}

		@Override
		public void subscribe(CoreSubscriber<? super InvitationResponse> actual) {
			Mono<InvitationResponse> invite;
			try {
				List<PeerConnection> live = reach.resolution().live(name);
				if (!live.isEmpty()) {
					// over open connections: the sources are still asked, in the background, for the watches
					resolveForWatches();
				}
				if (live.size() == 1) {
					reach.invitations().send(live.get(0), application, message, data, expiry)
							.subscribe(new OrResolved(actual, this));
					return;
				}
				invite = live.isEmpty() ? resolved()
						: inviteEach(Flux.fromIterable(live), this::resolved, application, message, data, expiry);
			}
			catch (Throwable e) {
				Operators.error(actual, Operators.onOperatorError(e, actual.currentContext()));
				return;
			}
			invite.subscribe(actual);
		}
	}

	/**
	 * The answer over the one open connection, or, if that connection fails as unreachable, the answer of
	 * {@link ContactInvite#resolved()}: {@code onErrorResume(PeerUnreachableException.class, ..)} for a
	 * {@code Mono}.
	 */
	private static final class OrResolved implements CoreSubscriber<InvitationResponse>, Subscription {

		private final CoreSubscriber<? super InvitationResponse> actual;
		private final ContactInvite invite;
		private volatile Subscription upstream;
		private volatile boolean requested;
		private volatile boolean cancelled;
		private boolean resumed;

		OrResolved(CoreSubscriber<? super InvitationResponse> actual, ContactInvite invite) {
			this.actual = actual;
			this.invite = invite;
		}

		@Override
		public Context currentContext() {
			return actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (!resumed) {
				if (Operators.validate(upstream, s)) {
					upstream = s;
					actual.onSubscribe(this);
				}
				return;
			}
			// the resolved invitation: it inherits the request and the cancel
			upstream = s;
			if (cancelled) {
				s.cancel();
			}
			else if (requested) {
				s.request(Long.MAX_VALUE);
			}
		}

		@Override
		public void onNext(InvitationResponse r) {
			actual.onNext(r);
		}

		@Override
		public void onError(Throwable e) {
			if (!resumed && e instanceof PeerUnreachableException && !cancelled) {
				resumed = true;
				Mono<InvitationResponse> resolved;
				try {
					resolved = invite.resolved();
				}
				catch (Throwable t) {
					actual.onError(Operators.onOperatorError(t, actual.currentContext()));
					return;
				}
				resolved.subscribe(this);
				return;
			}
			actual.onError(e);
		}

		@Override
		public void onComplete() {
			actual.onComplete();
		}

		@Override
		public void request(long n) {
			if (Operators.validate(n)) {
				requested = true;
				upstream.request(n);
			}
		}

		@Override
		public void cancel() {
			cancelled = true;
			upstream.cancel();
		}
	}

	/** Invites every endpoint the sources of this contact's addresses lead to. */
	private Mono<InvitationResponse> inviteResolved(PeerApplication application, String message, byte[] data,
			Duration expiry) {
		return Mono.defer(() -> {
			Attempts attempts = new Attempts();
			return inviteEach(attempts.race(candidates(true, attempts.order)), () -> Mono.error(attempts.failure()),
					application, message, data, expiry);
		});
	}

	/**
	 * Invites over each connection: the first ACCEPTED wins, else DECLINED if any declined, else EXPIRED; a connection
	 * that fails under its invitation is skipped, and {@code none} answers when none carried one.
	 */
	private Mono<InvitationResponse> inviteEach(Flux<PeerConnection> reached, Supplier<Mono<InvitationResponse>> none,
			PeerApplication application, String message, byte[] data, Duration expiry) {
		List<InvitationResponse> answers = java.util.Collections.synchronizedList(new ArrayList<>());
		return reached
				// one process reached at several addresses (its card's, a NAT's) is invited once
				.distinct(PeerConnection::remoteInstance)
				.flatMap(c -> reach.invitations().send(c, application, message, data, expiry)
						.onErrorResume(PeerUnreachableException.class, e -> Mono.empty()))
				.doOnNext(answers::add)
				.filter(r -> r.status() == InvitationStatus.ACCEPTED)
				.next()
				.switchIfEmpty(Mono.defer(() -> {
					if (answers.isEmpty()) {
						return none.get();
					}
					return Mono.just(answers.stream().filter(r -> r.status() == InvitationStatus.DECLINED)
							.findFirst().orElse(answers.get(0)));
				}));
	}

	/**
	 * Every endpoint of this peer that answers now: for a contact, the connections open to it and every address its
	 * sources give (one connection per process at most, as the transport shares them); else the one endpoint. Nothing
	 * while signed out; an address that fails is skipped.
	 */
	Flux<PeerConnection> reachAll() {
		if (contact == null) {
			return connection().flux().onErrorResume(e -> Flux.empty());
		}
		return Flux.defer(() -> {
			Attempts attempts = new Attempts();
			return Flux.concat(Flux.fromIterable(reach.resolution().live(name)),
					attempts.race(candidates(false, attempts.order)));
		}).onErrorResume(e -> Flux.empty());
	}

	/** The endpoint at {@code ep}, if it answers and proves this peer's name; fails otherwise. */
	Mono<PeerConnection> reachAt(PeerEndPoint ep) {
		return Mono.defer(() -> {
			TransportBinding b = reach.binding().get();
			if (b == null) {
				return Mono.empty();
			}
			Mono<PeerConnection> c = b.connect(name, ep.address());
			return contact == null ? c : c.doOnNext(x -> reach.resolution().seen(name, ep, x));
		});
	}

	/** @return whether this endpoint is signed in (to any scope) */
	boolean signedIn() {
		try {
			return reach.binding().get() != null;
		}
		catch (NotSignedInException e) {
			return false;
		}
	}

	/** @throws NotSignedInException if this endpoint is signed out */
	void checkSignedIn() {
		if (!signedIn()) {
			throw new NotSignedInException("this endpoint is signed out: sign in before reaching other peers");
		}
	}

	private SharedFollows.Key key() {
		return new SharedFollows.Key(name, contact == null ? endPoints : contact);
	}

	/** @return the endpoint name announced near me at {@code address} for this peer's name, or {@code ""} */
	String announcedName(io.peercollab.PeerAddress address) {
		String n = reach.announcedName.apply(name, address);
		return n == null ? "" : n;
	}

	@Override
	public Flux<io.peercollab.EndPointChange> endPointChanges() {
		return reach.endPointWatches.changes(key(), this);
	}

	/**
	 * Follows the remote endpoint across reconnections; see {@link io.peercollab.Peer#events()}. Every subscriber to
	 * the same peer (the same name, reached the same way) shares one stream ({@link SharedFollows}): for a peer near
	 * me or a name at an address, one remote stream; for a contact, the merged stream of all its endpoints
	 * ({@link EndPointWatches#merged}), one remote stream per endpoint, shared with {@link #endPointChanges()}.
	 */
	@Override
	public Flux<PeerEvent> events() {
		return reach.follows.events(key(), this);
	}

	/**
	 * The remote stream behind {@link #events()}: every attempt's items and markers go through {@code accept}, which
	 * runs the mirror and writes what reaches the subscribers; only those reset the backoff (transientErrors), the
	 * markers of failed attempts are consumed inside each attempt.
	 */
	Flux<PeerEvent> follow(Mirror mirror, Expand.Expander<Object, PeerEvent> accept) {
		return Flux.defer(() -> followOnce(mirror, accept))
				.retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_BACKOFF)
						.maxBackoff(contact == null ? MAX_BACKOFF : MAX_CONTACT_BACKOFF)
						.transientErrors(true)
						.filter(RemotePeer::retryable)
						.scheduler(reach.timer()));
	}

	/** One attempt to follow: connect, stream from where the mirror stands, end with the error that stopped it. */
	private Flux<PeerEvent> followOnce(Mirror mirror, Expand.Expander<Object, PeerEvent> accept) {
		long after;
		long left;
		// subscribers that join read the mirror under its lock
		synchronized (mirror) {
			mirror.beginSnapshot();
			after = mirror.resumeVersion();
			left = mirror.graceLeft(now());
		}
		// a contact: the merged stream of its endpoints, which starts with the whole state (its mirror diffs it)
		Flux<Object> events = contact == null ? connection().flatMapMany(c -> c.events(after))
				: reach.endPointWatches.merged(key(), this).cast(Object.class);
		if (contact != null) {
			// A contact that ends the stream (closing, restarting elsewhere) is looked up again and followed on.
			events = events.concatWith(Flux.error(() -> new PeerUnreachableException(
					name + " ended the stream; looking it up again")));
		}
		// any failure that will be retried counts as a failed attempt for the mirror
		events = events.onErrorResume(RemotePeer::retryable, e -> Flux.concat(Mono.just(Mirror.FAILED), Mono.error(e)));
		if (left >= 0) {
			// lost and not back yet: say so once the grace runs out, even if this attempt hangs (a silent network)
			Sinks.Empty<Void> ended = Sinks.empty();
			events = Flux.merge(events.doFinally(sig -> ended.tryEmitEmpty()),
					Mono.delay(Duration.ofMillis(left), reach.timer()).<Object>thenReturn(Mirror.GRACE_OVER)
							.takeUntilOther(ended.asMono()));
		}
		return new Expand<Object, PeerEvent>(events, accept);
	}

	long now() {
		return reach.timer().now(TimeUnit.MILLISECONDS);
	}

	static boolean retryable(Throwable e) {
		return !(e instanceof PeerIdentityMismatchException || e instanceof NotAuthorizedException
				|| e instanceof NotSignedInException);
	}

	/**
	 * What the follower has seen of the remote state; turns each (re)connection's snapshot into a diff, and a lost
	 * connection into the peer going offline.
	 *
	 * <p>Lost and back: when a live stream fails, the peer is <em>losing</em>; if the next attempt fails too, or
	 * {@link #LOST_GRACE} passes without a new {@code Synced}, it is <em>lost</em>: its presence is reported
	 * {@code REMOVED} (OFFLINE) and the next connection asks for a full snapshot, whose diff brings it back. A stream
	 * that is back within the grace resumes by version, as if nothing happened. Called from one attempt's serialized
	 * pipeline at a time, under the mirror's lock, which subscribers that join take to read it.
	 */
	static final class Mirror {

		/** An attempt failed with an error that is retried. */
		static final Object FAILED = new Object();
		/** The grace of a lost stream ran out. */
		static final Object GRACE_OVER = new Object();

		long version = -1;
		PresenceInfo presence;
		final Map<UUID, PeerApplication> apps = new HashMap<>();
		final Map<UUID, PeerObject> objects = new HashMap<>();
		private boolean snapshotting;
		private final List<PeerEvent> pending = new ArrayList<>();
		/** A stream delivered {@code Synced} and has not failed since. */
		private boolean live;
		/** When the live stream failed, in the timer's milliseconds; -1 while live or once reported lost. */
		private long lostAt = -1;
		/** The peer was reported lost: the next connection needs a full snapshot. */
		private boolean reported;

		/** @return whether a stream delivered {@code Synced} and has not failed since */
		boolean live() {
			return live;
		}

		/** @return the state as last emitted, as {@code ADDED} events at the current version */
		List<PeerEvent> state() {
			List<PeerEvent> out = new ArrayList<>(1 + apps.size() + objects.size());
			if (presence != null) {
				out.add(new PresenceChange(ChangeType.ADDED, presence, version));
			}
			for (PeerApplication a : apps.values()) {
				out.add(new ApplicationChange(ChangeType.ADDED, a, version));
			}
			for (PeerObject o : objects.values()) {
				out.add(new ObjectChange(ChangeType.ADDED, o, version));
			}
			return out;
		}

		void beginSnapshot() {
			snapshotting = true;
			pending.clear();
		}

		/** @return the version to resume after: none once the peer was reported lost (its state was dropped) */
		long resumeVersion() {
			return reported ? -1 : version;
		}

		/** @return milliseconds left before a losing peer is reported lost, or -1 if it is not losing */
		long graceLeft(long now) {
			return lostAt < 0 ? -1 : Math.max(0, lostAt + LOST_GRACE.toMillis() - now);
		}

		/** Writes to {@code out} what {@code x} (an event of the stream, or a marker) means to the follower. */
		void accept(Object x, long now, java.util.function.Consumer<? super PeerEvent> out) {
			if (x == FAILED) {
				if (live) {
					live = false;
					lostAt = now;
					return;
				}
				if (lostAt >= 0) {
					reportLost().forEach(out);
				}
				return;
			}
			if (x == GRACE_OVER) {
				if (lostAt >= 0) {
					reportLost().forEach(out);
				}
				return;
			}
			PeerEvent e = (PeerEvent) x;
			if (snapshotting) {
				if (!(e instanceof PeerEvent.Synced synced)) {
					pending.add(e);
					return;
				}
				snapshotting = false;
				if (synced.version() != version || reported) {
					diff(synced.version()).forEach(out);
				}
				version = synced.version();
				live = true;
				lostAt = -1;
				reported = false;
				out.accept(synced);
				return;
			}
			version = Math.max(version, e.version());
			apply(e);
			out.accept(e);
		}

		private List<PeerEvent> reportLost() {
			lostAt = -1;
			reported = true;
			if (presence == null) {
				return List.of();
			}
			PresenceInfo last = presence;
			presence = null;
			return List.of(new PresenceChange(ChangeType.REMOVED, last, version));
		}

		private void apply(PeerEvent e) {
			if (e instanceof PresenceChange p) {
				presence = p.type() == ChangeType.REMOVED ? null : p.presence();
			}
			else if (e instanceof ApplicationChange || e instanceof ObjectChange) {
				PeerEvents.applyItem(e, apps, objects);
			}
		}

		private List<PeerEvent> diff(long v) {
			PresenceInfo newPresence = null;
			Map<UUID, PeerApplication> newApps = new HashMap<>();
			Map<UUID, PeerObject> newObjects = new HashMap<>();
			for (PeerEvent e : pending) {
				if (e instanceof PresenceChange p && p.type() != ChangeType.REMOVED) {
					newPresence = p.presence();
				}
				else if (e instanceof ApplicationChange a && a.type() != ChangeType.REMOVED) {
					newApps.put(a.application().id(), a.application());
				}
				else if (e instanceof ObjectChange o && o.type() != ChangeType.REMOVED) {
					newObjects.put(o.object().id(), o.object());
				}
			}
			pending.clear();
			List<PeerEvent> out = new ArrayList<>();
			if (!Objects.equals(presence, newPresence)) {
				out.add(new PresenceChange(presence == null ? ChangeType.ADDED
						: newPresence == null ? ChangeType.REMOVED : ChangeType.UPDATED,
						newPresence == null ? presence : newPresence, v));
			}
			presence = newPresence;
			diffMaps(apps, newApps, out, v, (t, a) -> new ApplicationChange(t, a, v));
			diffMaps(objects, newObjects, out, v, (t, o) -> new ObjectChange(t, o, v));
			return out;
		}

		private static <T> void diffMaps(Map<UUID, T> old, Map<UUID, T> now, List<PeerEvent> out, long v,
				java.util.function.BiFunction<ChangeType, T, PeerEvent> make) {
			for (var e : now.entrySet()) {
				T before = old.get(e.getKey());
				if (before == null) {
					out.add(make.apply(ChangeType.ADDED, e.getValue()));
				}
				else if (!before.equals(e.getValue())) {
					out.add(make.apply(ChangeType.UPDATED, e.getValue()));
				}
			}
			for (var e : old.entrySet()) {
				if (!now.containsKey(e.getKey())) {
					out.add(make.apply(ChangeType.REMOVED, e.getValue()));
				}
			}
			old.clear();
			old.putAll(now);
		}
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof RemotePeer p && p.name.equals(name) && p.nickname.equals(nickname)
				&& p.endPoints.equals(endPoints) && p.endPointName.equals(endPointName)
				&& p.machineName.equals(machineName);
	}

	@Override
	public int hashCode() {
		return Objects.hash(name, nickname, endPoints);
	}

	@Override
	public String toString() {
		return "Peer[" + name + ", " + nickname + ", " + endPoints.size() + " endpoint(s)"
				+ (verified ? ", verified" : "") + "]";
	}
}
