// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.peercollab.ConnectionPath;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expiries;
import io.peercollab.internal.flow.LiveValue;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

/**
 * The requesting side of a connection to one remote peer: each method sends one request on its route and decodes
 * the answer. Errors arrive as the remote's {@link io.peercollab.PeerCollabException} subtype, or as
 * {@link PeerUnreachableException} naming the peer when the connection is gone.
 *
 * <p>The connection closes itself after {@code idleTimeout} with no request in flight and no stream open.
 */
final class RSocketPeerConnection implements PeerConnection {

	/** The state of a connection closed by us (idle, disposed); any other state is {@code epoch << 32 | active}. */
	private static final long CLOSED = -1L;

	private final RSocket rsocket;
	private final String remoteInstance;
	private final PeerName remote;
	private final InetSocketAddress address;
	private final TcpAddress peerAddress;
	private final PayloadCodec codec;
	private final Duration idleTimeout;
	// The epoch changes with every request that starts, so the idle check knows whether what it saw is still current;
	// one CAS on the pair decides between "close for idleness" and "a request starts", never both.
	private final AtomicLong state = new AtomicLong();
	/**
	 * When the last request in flight ended, on the clock of {@link #expiries}: written before the CAS that leaves no
	 * request in flight, so that whoever sees no request in flight sees this time or a later one.
	 */
	private volatile long idleSince;
	/** The binding's deadlines: the idle check is one entry there, moved lazily, not a timer re-armed per request. */
	private final Expiries expiries;
	private final Expiries.Entry idleCheck = new Expiries.Entry() {
		@Override
		protected void expired() {
			checkIdle();
		}
	};

	/** How this connection travels; completed when it closes. */
	private final LiveValue<ConnectionPath> path =
			new LiveValue<>(ConnectionPath.DIRECT);

	@Override
	public String remoteInstance() {
		return remoteInstance;
	}

	@Override
	public ConnectionPath path() {
		return path.get();
	}

	@Override
	public Flux<ConnectionPath> pathChanges() {
		return path.changes();
	}

	/**
	 * Says that this connection now travels on {@code now}: set when it opens, and by whoever moves the live
	 * connection to another path (a relayed connection upgraded to a hole-punched one, {@code HOLE_PUNCHED}).
	 * {@link #pathChanges()} emits it; nothing happens once the connection closed.
	 */
	void pathChanged(ConnectionPath now) {
		path.set(now);
	}

	/** The hole-punched connection that new requests take instead of this relayed one, while it is open. */
	private final AtomicReference<RSocketPeerConnection> movedTo =
			new AtomicReference<>();

	/**
	 * Moves this (relayed) connection's new requests to {@code direct}, a hole-punched connection to the same peer,
	 * while it is open: whoever holds this connection (the engine keeps a contact's open connection and reuses it)
	 * then reaches the peer directly, and its path reads {@code HOLE_PUNCHED}. Open sessions re-attach there and
	 * follows follow again there ({@link #events}); other streams already open stay here to their end. Once
	 * {@code direct} closes, new requests come back here and the path reads what it read before.
	 */
	void moveTo(RSocketPeerConnection direct) {
		ConnectionPath before = path.get();
		movedTo.set(direct);
		pathChanged(ConnectionPath.HOLE_PUNCHED);
		direct.onClose().subscribe(null, e -> back(direct, before), () -> back(direct, before));
		moves.tryEmitNext(direct);
		// open sessions re-attach there (PROTOCOL.md 5.8.1); follows follow again there ({@link #events})
		for (OpenSession o : sessions) {
			o.moveTo(direct);
		}
		closeIfUnused();
	}

	private void back(RSocketPeerConnection direct, ConnectionPath before) {
		if (movedTo.compareAndSet(direct, null)) {
			pathChanged(before);
			if (rsocket.isDisposed()) {
				markClosed();
			}
		}
	}

	/** The direct connections this one's streams move to, as they are punched; for the follows open here. */
	private final Sinks.Many<RSocketPeerConnection> moves = Sinks.many().replay().latest();

	/** Completes when this connection closed and no punched connection carries its requests. */
	private final Sinks.Empty<Void> closed = Sinks.empty();

	private void markClosed() {
		path.close();
		closed.tryEmitEmpty();
		moves.tryEmitComplete();
	}

	/** The sessions open on this connection (or moved from it), that move with it. */
	private final Set<OpenSession> sessions = ConcurrentHashMap.newKeySet();

	/**
	 * Once this connection's requests and streams all moved to a punched connection, closes it: the relay carries
	 * nothing more (the relay's allocation and permission stay, for the next connection through it).
	 */
	private void closeIfUnused() {
		long s = state.get();
		if (s != CLOSED && (s & 0xffff_ffffL) == 0 && moved() != null && !rsocket.isDisposed()) {
			rsocket.dispose();
		}
	}

	/** A session this connection opened, on whichever connection it travels now. */
	private final class OpenSession {

		final ResumableSession session;
		final Wire.Open open;
		final SessionFrames frames;
		final String what;
		final AtomicReference<RSocketPeerConnection> on = new AtomicReference<>(RSocketPeerConnection.this);

		OpenSession(ResumableSession session, Wire.Open open, SessionFrames frames, String what) {
			this.session = session;
			this.open = open;
			this.frames = frames;
			this.what = what;
		}

		/** Opens the session's channel on {@code c}: the first one, or a re-attachment. */
		void attach(RSocketPeerConnection c, boolean first) {
			Wire.Open wire = open.resuming(session.token(), first ? null : session.delivered());
			// the channel's frames to send are made by attach, which may subscribe the channel at once
			Sinks.One<Flux<Payload>> out = Sinks.one();
			Flux<Payload> payloads = Flux.concat(Mono.fromCallable(() -> codec.request(Route.SESSION, wire)),
					out.asMono().flatMapMany(f -> f));
			Flux<SessionFrames.Sequenced> in = c.rsocket.requestChannel(payloads)
					.map(p -> frames.decodeSequenced(p, what));
			RSocketPeerConnection before = on.get();
			Flux<Payload> frames = session.attach(in, first ? 0 : -1, Mono.never(), () -> {
				// the other end answered on c: nothing more travels on the connection before
				if (on.compareAndSet(before, c) && before != c) {
					ResumableSession.Move m = session.lastMove();
					if (m != null) {
						synchronized (moveLog) {
							if (moveLog.size() == 64) {
								moveLog.remove(0);
							}
							moveLog.add(new RSocketBinding.SessionMove(m.took(), m.unacknowledged(), m.sentAgain()));
						}
					}
					before.end();
				}
			});
			out.tryEmitValue(frames);
		}

		void moveTo(RSocketPeerConnection direct) {
			if (!session.movable() || !session.open() || !direct.begin()) {
				return; // it finishes where it is
			}
			attach(direct, false);
		}

		void ended() {
			sessions.remove(this);
			RSocketPeerConnection c = on.get();
			c.end();
		}
	}

	/** @return the open connection new requests take instead of this one, or {@code null} */
	private RSocketPeerConnection moved() {
		RSocketPeerConnection to = movedTo.get();
		return to == null || to.isDisposed() ? null : to;
	}

	/** @return the RSocket under this connection */
	RSocket rsocket() {
		return rsocket;
	}

	RSocketPeerConnection(RSocket rsocket, PeerName remote, InetSocketAddress address, PayloadCodec codec,
			Duration idleTimeout, String remoteInstance, Expiries expiries) {
		this.remoteInstance = remoteInstance;
		this.rsocket = rsocket;
		this.remote = remote;
		this.address = address;
		this.peerAddress = TcpAddress.of(address);
		this.inviteAnswerWhat = () -> Route.INVITE + " response from " + remote;
		this.codec = codec;
		this.idleTimeout = idleTimeout;
		this.expiries = expiries;
		idleSince = expiries.now();
		expiries.add(idleCheck, idleTimeout);
		rsocket.onClose().doFinally(s -> {
			expiries.remove(idleCheck);
			if (moved() == null) {
				markClosed();
			}
		}).subscribe(null, e -> { }, () -> { });
	}

	@Override
	public PeerName remote() {
		return remote;
	}

	@Override
	public PeerAddress remoteAddress() {
		return peerAddress;
	}

	@Override
	public Mono<InviteReply> invite(InviteRequest request) {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.invite(request);
		}
		Objects.requireNonNull(request, "request");
		return new RequestResponse<>(Route.INVITE, (CborWriter.Writable) w -> Wire.Invite.write(w, request),
				InviteReader::readAnswer, Wire.InviteAnswer.class, Wire.InviteAnswer::toDomain);
	}

	@Override
	public Mono<PresenceInfo> presence() {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.presence();
		}
		return requestResponse(Route.PRESENCE, null, Wire.Presence.class, Wire.Presence::toDomain);
	}

	@Override
	public Flux<PeerApplication> applications() {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.applications();
		}
		return requestStream(Route.APPLICATIONS, null, Wire.Application.class, Wire.Application::toDomain);
	}

	@Override
	public Flux<PeerObject> objects() {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.objects();
		}
		return requestStream(Route.OBJECTS, null, Wire.SharedObject.class, Wire.SharedObject::toDomain);
	}

	@Override
	public Mono<String> card() {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.card();
		}
		return requestResponse(Route.CARD, null, Wire.Card.class, Wire.Card::toDomain);
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Here, on a relayed connection (or one opened for {@code moveStreams}): the follow moves with the connection's
	 * streams to the punched connection that replaces it ({@link #moveTo}), and its subscriber sees each change once,
	 * in order of version, across the move; what changed while switching arrives as the difference from what it was
	 * given, at the new snapshot's version ({@link MovableFollow}, PROTOCOL.md 5.7.1). If the follow fails on the
	 * punched connection before its {@code synced}, it stays here and {@code nat.FOLLOW_NOT_MOVED} says why.
	 */
	@Override
	public Flux<PeerEvent> events(long afterVersion) {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.events(afterVersion);
		}
		if (!movable && path.get() != ConnectionPath.RELAYED) {
			return rawEvents(afterVersion);
		}
		// a connection that may move (relayed, until a hole punch moves it): the follow follows again on the punched
		// connection, with no gap and no repeat (MovableFollow)
		return Flux.defer(() -> new MovableFollow<>(afterVersion, FOLLOW_ROUTE,
				Route.EVENTS + " response from " + remote).follow(this,
				moves.asFlux().filter(c -> !c.isDisposed())));
	}

	/** Set on connections opened to take another one's streams (a test's {@code moveStreams}): their follows move. */
	private volatile boolean movable;

	/** Makes this connection's follows movable even if it is not relayed: for {@code moveStreams}. */
	void movable() {
		movable = true;
	}

	/** Told why a follow could not move to a punched connection; the binding makes a diagnostic of it. */
	private volatile BiConsumer<String, Throwable> followNotMoved = (m, e) -> { };

	/**
	 * Whether the server said in its {@code hello} that it numbers a resumable session's frames (PROTOCOL.md 5.1):
	 * a session opened here then ends its direction in-band at once, even before the server's first frame (a client
	 * that signs out right after opening would otherwise close the connection before its end could go, and the other
	 * side would see a crash). A server that did not say so is known to number frames from its first one.
	 */
	private volatile boolean serverNumbersSessions;

	/** Says that the server numbers resumable sessions' frames from the start ({@code hello}). */
	void serverNumbersSessions(boolean numbers) {
		serverNumbersSessions = numbers;
	}

	/**
	 * @return completes when every session open on (or moved from) this connection ended both ways: each end's
	 *     end of frames sent and acknowledged; at once when none is open
	 */
	Mono<Void> sessionsEnded() {
		return Mono.when(sessions.stream().map(o -> o.session.ended()).toList());
	}

	/** @param report told why a follow of this connection could not move, and stayed */
	void reportFollowsNotMoved(BiConsumer<String, Throwable> report) {
		followNotMoved = Objects.requireNonNull(report, "report");
	}

	/** The connections a movable follow travels on: their own events streams, held open while it moves. */
	private static final MovableFollow.Route<RSocketPeerConnection> FOLLOW_ROUTE =
			new MovableFollow.Route<>() {
				@Override
				public Flux<PeerEvent> events(RSocketPeerConnection on, long afterVersion) {
					return on.rawEvents(afterVersion);
				}

				@Override
				public Runnable hold(RSocketPeerConnection on) {
					if (!on.begin()) {
						return null;
					}
					AtomicBoolean once = new AtomicBoolean();
					return () -> {
						if (once.compareAndSet(false, true)) {
							on.end();
						}
					};
				}

				@Override
				public void notMoved(RSocketPeerConnection from, RSocketPeerConnection to, Throwable why) {
					from.followNotMoved.accept("a follow of " + from.remote + " could not move to the punched "
							+ "connection at " + ErrorCodes.format(to.address) + " (" + why + "); it stays on the "
							+ "connection at " + ErrorCodes.format(from.address), why);
				}
			};

	/** @return the {@code peercollab.v1.events} stream on this very connection */
	private Flux<PeerEvent> rawEvents(long afterVersion) {
		return requestStream(Route.EVENTS, new Wire.EventsRequest(afterVersion), Wire.Event.class,
				Wire.Event::toDomain);
	}

	@Override
	public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
		RSocketPeerConnection to = moved();
		if (to != null) {
			return to.session(open, outbound);
		}
		Objects.requireNonNull(open, "open");
		Objects.requireNonNull(outbound, "outbound");
		return Flux.defer(() -> {
			if (!begin()) {
				return Flux.<SessionFrame>error(closed());
			}
			// each frame is encoded into one pooled buffer as it is taken, and read back with one copy; numbered, so
			// that the session can move to a punched connection mid-stream (ResumableSession)
			SessionFrames frames = codec.sessionFrames();
			String what = Route.SESSION + " response from " + remote;
			ResumableSession session = new ResumableSession(frames, what, newToken(), serverNumbersSessions);
			OpenSession o = new OpenSession(session, Wire.Open.from(open), frames, what);
			sessions.add(o);
			o.attach(this, true);
			session.send(outbound);
			// not when the inbound completes: the other direction may still stream, and move, after that
			session.ended().subscribe(null, null, o::ended);
			return session.inbound();
		}).onErrorMap(e -> ErrorCodes.fromWire(e, remote, address));
	}

	private static final SecureRandom TOKENS = new SecureRandom();

	/** @return a resume token: 128 random bits, in 32 hex digits */
	private static String newToken() {
		byte[] b = new byte[16];
		TOKENS.nextBytes(b);
		return HexFormat.of().formatHex(b);
	}

	private final List<RSocketBinding.SessionMove> moveLog = new ArrayList<>();

	/** @return the moves of the sessions opened here, oldest first */
	List<RSocketBinding.SessionMove> sessionMoves() {
		synchronized (moveLog) {
			return List.copyOf(moveLog);
		}
	}

	/** @return how many sessions opened here are open, on this connection or moved from it */
	int openSessions() {
		return sessions.size();
	}

	@Override
	public Mono<Void> signedOut() {
		return tracked(Mono.defer(() -> rsocket.fireAndForget(codec.request(Route.SIGNED_OUT, null))));
	}

	/**
	 * {@inheritDoc} Here: when the connection closed and no punched connection carries its requests; a relayed
	 * connection whose streams all moved to a punched one closes its own socket, and completes this only when that one
	 * closes too.
	 */
	@Override
	public Mono<Void> onClose() {
		return closed.asMono();
	}

	/**
	 * Closes the connection; requests in flight fail with {@link PeerUnreachableException}, later ones at once.
	 */
	@Override
	public void dispose() {
		// marked first: RSocket closes asynchronously, and a binding must not hand out a connection that is closing
		state.set(CLOSED);
		RSocketPeerConnection to = movedTo.getAndSet(null);
		if (to != null) {
			to.dispose();
		}
		rsocket.dispose();
		// closed already if its streams had moved: onClose completes now
		rsocket.onClose().subscribe(null, e -> markClosed(), this::markClosed);
	}

	@Override
	public boolean isDisposed() {
		return state.get() == CLOSED || rsocket.isDisposed() && moved() == null;
	}

	/** @return whether this side closed the connection (idle, or disposed), rather than the peer or the network */
	boolean closedHere() {
		return state.get() == CLOSED;
	}

	@Override
	public String toString() {
		return "RSocketPeerConnection[" + remote + " at " + ErrorCodes.format(address) + "]";
	}

	private <W, D> Mono<D> requestResponse(Route route, Object body, Class<W> wireType, Function<W, D> toDomain) {
		return new RequestResponse<>(route, body, null, wireType, toDomain);
	}

	private <W, D> Flux<D> requestStream(Route route, Object body, Class<W> wireType, Function<W, D> toDomain) {
		return tracked(Flux.defer(() -> rsocket.requestStream(codec.request(route, body)))
				.map(p -> decode(p, wireType, toDomain, route)));
	}

	/** What an answer to an invitation is called if it cannot be decoded: made once, not per answer. */
	private final Supplier<String> inviteAnswerWhat;

	private <W, D> D decode(Payload p, Class<W> wireType, Function<W, D> toDomain, Route route) {
		// decoded from the payload's buffers, with no heap copy of their own
		return codec.receive(p, wireType, toDomain, () -> route + " response from " + remote);
	}

	private <T> Mono<T> tracked(Mono<T> request) {
		return Mono.defer(() -> {
			if (!begin()) {
				return Mono.error(closed());
			}
			return request.doFinally(s -> end());
		}).onErrorMap(e -> ErrorCodes.fromWire(e, remote, address));
	}

	private <T> Flux<T> tracked(Flux<T> request) {
		return Flux.defer(() -> {
			if (!begin()) {
				return Flux.error(closed());
			}
			return request.doFinally(s -> end());
		}).onErrorMap(e -> ErrorCodes.fromWire(e, remote, address));
	}

	/**
	 * One request-response, sent at each subscription: what {@code tracked(defer(..).map(decode))} did, in one
	 * operator (a request-response is sent as often as an invitation, and each of those operators is an object per
	 * call and another per subscription). It counts as in flight from subscription until it ends or is cancelled;
	 * errors reach the subscriber as {@link ErrorCodes#fromWire} maps them; the answer is decoded as it arrives.
	 */
	private final class RequestResponse<W, D> extends Mono<D> {

		private final Route route;
		private final Object body;
		/** Reads the answer in the shape this codec writes it, or {@code null}: then the generic reader does. */
		private final PayloadCodec.ShapeReader<D> shape;
		private final Class<W> wireType;
		private final Function<W, D> toDomain;

		RequestResponse(Route route, Object body, PayloadCodec.ShapeReader<D> shape, Class<W> wireType,
				Function<W, D> toDomain) {
			this.route = route;
			this.body = body;
			this.shape = shape;
			this.wireType = wireType;
			this.toDomain = toDomain;
		}

		@Override
		public void subscribe(CoreSubscriber<? super D> actual) {
			if (!begin()) {
				Operators.error(actual, ErrorCodes.fromWire(closed(), remote, address));
				return;
			}
			Mono<Payload> response;
			try {
				response = rsocket.requestResponse(codec.request(route, body));
			}
			catch (Throwable e) {
				Operators.error(actual, ErrorCodes.fromWire(Operators.onOperatorError(e, actual.currentContext()),
						remote, address));
				end();
				return;
			}
			response.subscribe(new Answer<>(actual, this));
		}
	}

	/** Decodes the answer of a {@link RequestResponse}, maps its errors, and ends it exactly once. */
	private final class Answer<W, D> extends EndingMapSubscriber<Payload, D> {

		private final RequestResponse<W, D> request;

		Answer(CoreSubscriber<? super D> actual, RequestResponse<W, D> request) {
			super(actual);
			this.request = request;
		}

		@Override
		D map(Payload p) {
			if (request.route == Route.INVITE) {
				// decoded from the payload's buffers, described only if it fails
				return codec.receive(p, request.shape, request.wireType, request.toDomain, inviteAnswerWhat);
			}
			return decode(p, request.wireType, request.toDomain, request.route);
		}

		@Override
		Throwable mapError(Throwable e) {
			return ErrorCodes.fromWire(e, remote, address);
		}

		@Override
		void onEnd() {
			end();
		}
	}

	private boolean begin() {
		for (;;) {
			long s = state.get();
			if (s == CLOSED) {
				return false;
			}
			long epoch = ((s >>> 32) + 1) & 0x7fff_ffffL;
			if (state.compareAndSet(s, epoch << 32 | ((s & 0xffff_ffffL) + 1))) {
				return true;
			}
		}
	}

	private void end() {
		for (;;) {
			long s = state.get();
			if (s == CLOSED) {
				return;
			}
			long next = s - 1;
			if ((next & 0xffff_ffffL) == 0) {
				idleSince = expiries.now();
			}
			if (state.compareAndSet(s, next)) {
				if ((next & 0xffff_ffffL) == 0) {
					closeIfUnused();
				}
				return;
			}
		}
	}

	/**
	 * The idle check: closes the connection if no request has been in flight for {@code idleTimeout}, else queues
	 * itself again for the earliest time that can be true.
	 */
	private void checkIdle() {
		long s = state.get();
		if (s == CLOSED) {
			return;
		}
		long timeout = idleTimeout.toMillis();
		if (moved() != null) {
			// the punched connection keeps its own idle check; this one closes as its last stream ends
			closeIfUnused();
			return;
		}
		if ((s & 0xffff_ffffL) != 0) {
			expiries.add(idleCheck, idleTimeout);
			return;
		}
		long since = idleSince;
		if (expiries.now() - since < timeout) {
			expiries.addAt(idleCheck, since + timeout);
			return;
		}
		if (state.compareAndSet(s, CLOSED)) {
			rsocket.dispose();
		}
		else {
			// a request started meanwhile
			expiries.add(idleCheck, idleTimeout);
		}
	}

	private PeerUnreachableException closed() {
		return new PeerUnreachableException("The connection to " + remote + " at " + ErrorCodes.format(address)
				+ " is closed (disposed, or idle for " + idleTimeout.toMillis() + " ms); connect again");
	}

}
