// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.internal.PayloadCodec.Inbound;
import io.peercollab.rsocket.internal.Route.Interaction;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
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
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Serves the requests of one inbound connection: finds the route, decodes the request, calls the
 * {@link PeerRequestHandler} with the caller's proven name and encodes what it answers.
 *
 * <p>Whatever arrives, a bad request fails only its own stream with an error frame: this class never throws to
 * RSocket or Netty. Each payload is size-checked and released by {@link PayloadCodec#receive} before anything else
 * looks at it. Open streams are counted against {@code maxInboundStreamsPerConnection} from subscription to
 * termination or cancellation.
 */
final class PeerResponder implements RSocket {

	private static final Logger log = Loggers.getLogger(PeerResponder.class);

	/** What an invitation is called in the message of a failure to decode it. */
	private static final String INVITE_REQUEST = Route.INVITE + " request";
	private static final Supplier<String> INVITE_WHAT = () -> INVITE_REQUEST;

	private final PeerName caller;
	/** The connection this responder serves, as its requester side: tells a lost connection from a cancel. */
	private final RSocket requester;
	private final PeerRequestHandler handler;
	private final PayloadCodec codec;
	private final int maxStreams;
	private final String instance;
	private final InboundConnections.Connection connection;
	private final AtomicInteger openStreams = new AtomicInteger();
	/** {@link #responding}, made once rather than per request. */
	private final PayloadCodec.Reader<Responding> respondingReader = this::responding;
	/** Answers {@code peercollab.v1.punch}, or {@code null}: the route is then refused. */
	private HolePunchUpgrade holePunch;
	/** The sessions callers may re-attach, or {@code null}: sessions are then never resumable here. */
	private SessionResumes resumes;

	/**
	 * @param sessions the binding's resumable sessions, shared by all its connections
	 * @return this responder
	 */
	PeerResponder resumesIn(SessionResumes sessions) {
		this.resumes = sessions;
		return this;
	}

	PeerResponder(PeerName caller, RSocket requester, PeerRequestHandler handler, PayloadCodec codec, int maxStreams,
			String instance, InboundConnections.Connection connection) {
		this.caller = caller;
		this.requester = requester;
		this.handler = handler;
		this.codec = codec;
		this.maxStreams = maxStreams;
		this.instance = instance;
		this.connection = connection;
	}

	/**
	 * @param upgrade what answers {@code peercollab.v1.punch} requests on this connection
	 * @return this responder
	 */
	PeerResponder punchedBy(HolePunchUpgrade upgrade) {
		this.holePunch = upgrade;
		return this;
	}

	@Override
	public Mono<Payload> requestResponse(Payload payload) {
		Responding responding;
		try {
			responding = codec.receive(payload, respondingReader);
		}
		catch (RuntimeException e) {
			return Mono.error(refused(e, "a request-response"));
		}
		connection.streamOpened();
		return responding;
	}

	/**
	 * Makes the {@link Responding} of a request-response while its payload holds its buffers: an invitation is
	 * decoded straight from them (no heap copy of its data), the data of other routes is copied. A route that cannot
	 * be read fails here, to be refused; an invitation that cannot be decoded fails only at subscription, reported
	 * then, as when it was decoded there.
	 */
	private Responding responding(byte[] metadata, ByteBuf data) {
		Route route = Route.of(PayloadCodec.route(metadata), Interaction.REQUEST_RESPONSE);
		if (route != Route.INVITE) {
			return new Responding(route, new Inbound(ByteBufUtil.getBytes(data), metadata), null);
		}
		Object invite;
		try {
			invite = PayloadCodec.decodeInvite(data, INVITE_WHAT);
		}
		catch (RuntimeException e) {
			invite = e;
		}
		return new Responding(route, null, invite);
	}

	@Override
	public Flux<Payload> requestStream(Payload payload) {
		Inbound in;
		Route route;
		try {
			in = codec.receive(payload);
			route = Route.of(PayloadCodec.route(in.metadata()), Interaction.REQUEST_STREAM);
		}
		catch (RuntimeException e) {
			return Flux.error(refused(e, "a request-stream"));
		}
		connection.streamOpened();
		return limited(() -> stream(route, in)).onErrorMap(e -> wireError(e, route));
	}

	@Override
	public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
		// Payloads become heap bytes or frames (and are released) as they arrive, so that nothing below,
		// switchOnFirst's replay of the first one included, ever holds a reference-counted buffer.
		// When the handler's answer fails before it consumed the frames, RSocket 1.1 also fails the inbound side
		// with a CancellationException nobody is left to receive, which Reactor would log as a dropped error: for the
		// inbound side that only means "the channel is over".
		// The later payloads of a session are frames, read from their buffers with one copy (SessionFrames); only the
		// first one becomes an Inbound.
		// The map below never throws, and releases every payload it is given, even after a refusal: a refused payload
		// becomes a Refused, which the handle after it turns into the error. A map that threw would be done, and
		// RSocket 1.1.5 goes on handing the payloads already on their way to an inbound whose subscriber cancelled it
		// while the channel's outbound is open; Reactor drops those with onNextDropped, which does not release them
		// (ChannelPayloadReleaseTest). RSocket's other gap, a first payload kept when the stream ends after the
		// inbound was subscribed but before it was requested, is never open here: switchOnFirst requests the first
		// payload while it subscribes, and the map releases it at once.
		SessionFrames sessionFrames = codec.sessionFrames();
		String frameWhat = Route.SESSION + " frame";
		boolean[] opening = {true};
		Refused[] refused = {null};
		Flux<Object> inbound = Flux.from(payloads)
				.onErrorResume(CancellationException.class, e -> Flux.empty())
				.map(p -> {
					if (refused[0] != null) {
						p.release();
						return refused[0];
					}
					boolean first = opening[0];
					opening[0] = false;
					try {
						return first ? codec.receive(p) : sessionFrames.decodeSequenced(p, frameWhat);
					}
					catch (RuntimeException e) {
						// a frame the handler cannot read is the handler's to report; one too large is refused here
						if (first || e instanceof PayloadTooLargeException) {
							report(e);
						}
						refused[0] = new Refused(e);
						return refused[0];
					}
				})
				.handle((o, sink) -> {
					if (o instanceof Refused r) {
						sink.error(r.error());
					}
					else {
						sink.next(o);
					}
				});
		Sinks.Empty<Void> lost = Sinks.empty();
		return limited(() -> inbound.switchOnFirst((first, all) -> {
			if (first.isOnError()) {
				return Flux.error(first.getThrowable());
			}
			if (!first.hasValue() || !(first.get() instanceof Inbound in)) {
				InvalidRequestException e = new InvalidRequestException("The channel closed before its first payload");
				report(e);
				return Flux.error(e);
			}
			// not subscribing to 'all' when the first payload is refused makes switchOnFirst cancel the inbound side
			try {
				Route.of(PayloadCodec.route(in.metadata()), Interaction.REQUEST_CHANNEL);
			}
			catch (RuntimeException e) {
				report(e);
				return Flux.error(e);
			}
			connection.streamOpened();
			Wire.Open wire;
			SessionOpen open;
			try {
				wire = decode(in.data(), Wire.Open.class, w -> w, Route.SESSION + " opening payload");
				open = wire.toDomain();
			}
			catch (RuntimeException e) {
				return Flux.error(e);
			}
			Flux<SessionFrames.Sequenced> sequenced = all.skip(1).cast(SessionFrames.Sequenced.class);
			if (wire.resume() != null && resumes != null) {
				return resumable(wire, open, sequenced, sessionFrames, frameWhat, lost.asMono());
			}
			// the handler's inbound ends as the caller's outbound does, or fails if the connection is lost first
			Flux<SessionFrame> frames = sequenced
					.map(s -> s.frame() != null ? s.frame() : new SessionFrame(null, null))
					.takeUntilOther(lost.asMono());
			return sessionFrames.outbound(handler.session(caller, open, frames));
		})).onErrorMap(e -> wireError(e, Route.SESSION))
				// A lost connection only cancels the channel (RSocket 1.1 tells the responder nothing else): seen
				// before the cancel travels up, it fails the handler's inbound, so that a crash is not a goodbye.
				.doOnCancel(() -> {
					if (requester.isDisposed()) {
						lost.tryEmitError(new PeerUnreachableException("lost the connection from " + caller));
					}
				});
	}

	/**
	 * A session whose client offered to resume it on another connection (PROTOCOL.md 5.8.1): opened here, or
	 * re-attached to the session it opened on another connection.
	 */
	private Flux<Payload> resumable(Wire.Open wire, SessionOpen open, Flux<SessionFrames.Sequenced> frames,
			SessionFrames sessionFrames, String frameWhat, Mono<Void> lost) {
		if (wire.received() == null) {
			ResumableSession session = new ResumableSession(sessionFrames, frameWhat, wire.resume(), true);
			try {
				resumes.add(caller, session);
			}
			catch (RuntimeException e) {
				report(e);
				return Flux.error(e);
			}
			Flux<Payload> out = session.attach(frames, 0, lost);
			session.send(handler.session(caller, open, session.inbound()));
			return out;
		}
		ResumableSession session = resumes.find(caller, wire.resume());
		if (session == null) {
			InvalidRequestException e = new InvalidRequestException("no session " + open.sessionId() + " from "
					+ caller + " to resume with that token (ended, or never opened here)");
			report(e);
			return Flux.error(e);
		}
		try {
			return session.attach(frames, wire.received(), lost);
		}
		catch (RuntimeException e) {
			report(e);
			return Flux.error(e);
		}
	}

	/** A channel payload that could not be decoded: the error the channel's inbound ends with. */
	private record Refused(RuntimeException error) {
	}

	@Override
	public Mono<Void> fireAndForget(Payload payload) {
		// Nobody hears the outcome of a fire-and-forget, so failures are only logged.
		Inbound in;
		try {
			in = codec.receive(payload);
			Route.of(PayloadCodec.route(in.metadata()), Interaction.FIRE_AND_FORGET);
		}
		catch (RuntimeException e) {
			log.debug("Dropped a fire-and-forget from {}: {}", caller, e.getMessage());
			report(e);
			return Mono.empty();
		}
		connection.streamOpened();
		return limited(Mono.defer(() -> handler.signedOut(caller))).onErrorResume(e -> {
			logUnexpected(e, Route.SIGNED_OUT);
			return Mono.empty();
		});
	}

	@Override
	public Mono<Void> metadataPush(Payload payload) {
		payload.release();
		InvalidRequestException e = new InvalidRequestException("metadata-push is not part of the PeerCollab protocol");
		report(e);
		return Mono.error(e);
	}

	/** @return the handler's answer to a request-response, to be encoded by {@link #encode} */
	private Mono<?> respond(Route route, Inbound in, Object invite) {
		return switch (route) {
			case HELLO -> Mono.fromCallable(() -> {
				// empty from an older client and in the server's own hello; decode reports what it cannot read
				Wire.HelloRequest request = in.data().length == 0 ? null
						: decode(in.data(), Wire.HelloRequest.class, w -> w, Route.HELLO + " request");
				try {
					Wire.Hello hello = ConnectionPaths.hello(codec.maxPayloadSize(), maxStreams, instance, connection,
							request);
					// a client that knows this numbers session frames ends its sessions in-band from the start
					return resumes == null ? hello : hello.resumingSessions();
				}
				catch (InvalidRequestException e) {
					report(e);
					throw e;
				}
			});
			case INVITE -> {
				if (invite instanceof RuntimeException e) {
					report(e);
					throw e;
				}
				yield handler.invite(caller, connection.tcpAddress(), (InviteRequest) invite);
			}
			case PRESENCE -> handler.presence(caller);
			case CARD -> handler.card(caller);
			case PUNCH -> holePunch == null
					? Mono.error(new InvalidRequestException("Route '" + route + "' is not served here"))
					: holePunch.answer(caller, decode(in.data(), Wire.Punch.class, w -> w, Route.PUNCH + " request"));
			default -> Mono.error(new InvalidRequestException("Route '" + route + "' is not request-response"));
		};
	}

	/** @return the payload of {@code answer}, what {@link #respond} gave for {@code route} */
	private Payload encode(Route route, Object answer) {
		return switch (route) {
			case INVITE -> {
				InviteReply r = (InviteReply) answer;
				yield codec.data((CborWriter.Writable) w -> Wire.InviteAnswer.write(w, r));
			}
			case PRESENCE -> {
				PresenceInfo p = (PresenceInfo) answer;
				yield codec.data((CborWriter.Writable) w -> Wire.Presence.write(w, p));
			}
			case CARD -> codec.data(new Wire.Card((String) answer));
			default -> codec.data(answer); // HELLO, PUNCH: a wire record already
		};
	}

	private Flux<Payload> stream(Route route, Inbound in) {
		return switch (route) {
			case APPLICATIONS -> handler.applications(caller).map(a -> codec.data(Wire.Application.from(a)));
			case OBJECTS -> handler.objects(caller).map(o -> codec.data(Wire.SharedObject.from(o)));
			case EVENTS -> handler.events(caller, decode(in.data(), Wire.EventsRequest.class,
					Wire.EventsRequest::toDomain, route + " request"))
					.map(codec::event);
			default -> Flux.error(new InvalidRequestException("Route '" + route + "' is not request-stream"));
		};
	}

	/** A request refused before its route is known: reported, then answered with its error frame. */
	private Throwable refused(RuntimeException e, String what) {
		report(e);
		return ErrorCodes.toWire(e, what);
	}

	/** Decodes a request, reporting what cannot be decoded; the handler's own refusals are its to report. */
	private <W, D> D decode(byte[] data, Class<W> wireType, java.util.function.Function<W, D> toDomain, String what) {
		try {
			return PayloadCodec.decode(data, wireType, toDomain, what);
		}
		catch (RuntimeException e) {
			report(e);
			throw e;
		}
	}

	private void report(Throwable e) {
		connection.report(Diagnostic.Kind.REJECTED_REQUEST, "refused a request: " + e.getMessage(), e);
	}

	/**
	 * The answer to one request-response, made at subscription: what
	 * {@code limited(defer(() -> respond(route, in))).onErrorMap(e -> wireError(e, route))} did, in one operator (one
	 * is served per invitation, and each of those operators is an object per request and another per subscription).
	 * The request counts against {@code maxInboundStreamsPerConnection} from subscription until it ends or is
	 * cancelled; errors reach RSocket as {@link #wireError} makes them.
	 */
	private final class Responding extends Mono<Payload> {

		private final Route route;
		/** The request of any route but {@link Route#INVITE}, else {@code null}. */
		private final Inbound in;
		/** For {@link Route#INVITE}: the decoded {@link InviteRequest}, or the {@link RuntimeException} decoding it. */
		private final Object invite;

		Responding(Route route, Inbound in, Object invite) {
			this.route = route;
			this.in = in;
			this.invite = invite;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Payload> actual) {
			if (!acquire()) {
				Operators.error(actual, wireError(limitExceeded(), route));
				return;
			}
			Mono<?> answer;
			try {
				answer = respond(route, in, invite);
			}
			catch (Throwable e) {
				Operators.error(actual, wireError(Operators.onOperatorError(e, actual.currentContext()), route));
				openStreams.decrementAndGet();
				return;
			}
			answer.subscribe(new Answered(actual, route));
		}
	}

	/**
	 * Encodes the answer of a {@link Responding} (see {@link #encode}), maps its error, and gives its stream back
	 * exactly once.
	 */
	private final class Answered extends EndingMapSubscriber<Object, Payload> {

		private final Route route;

		Answered(CoreSubscriber<? super Payload> actual, Route route) {
			super(actual);
			this.route = route;
		}

		@Override
		Payload map(Object answer) {
			return encode(route, answer);
		}

		@Override
		Throwable mapError(Throwable e) {
			return wireError(e, route);
		}

		@Override
		void onEnd() {
			openStreams.decrementAndGet();
		}
	}

	private <T> Mono<T> limited(Mono<T> body) {
		return Mono.defer(() -> {
			if (!acquire()) {
				return Mono.error(limitExceeded());
			}
			return body.doFinally(s -> openStreams.decrementAndGet());
		});
	}

	private <T> Flux<T> limited(Supplier<Flux<T>> body) {
		return Flux.defer(() -> {
			if (!acquire()) {
				return Flux.error(limitExceeded());
			}
			return Flux.defer(body).doFinally(s -> openStreams.decrementAndGet());
		});
	}

	private boolean acquire() {
		if (openStreams.incrementAndGet() > maxStreams) {
			openStreams.decrementAndGet();
			return false;
		}
		return true;
	}

	private LimitExceededException limitExceeded() {
		LimitExceededException e = new LimitExceededException("maxInboundStreamsPerConnection (" + maxStreams
				+ ") reached: " + caller + " already has " + maxStreams + " requests open on this connection");
		report(e);
		return e;
	}

	private Throwable wireError(Throwable e, Route route) {
		logUnexpected(e, route);
		return ErrorCodes.toWire(e, route.path());
	}

	private void logUnexpected(Throwable e, Route route) {
		if (!(e instanceof PeerCollabException)) {
			log.warn("The handler failed while serving " + route + " to " + caller, e);
		}
	}
}
