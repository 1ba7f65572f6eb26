// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.peercollab.Diagnostic;
import io.peercollab.InvalidRequestException;
import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.internal.PayloadCodec.Inbound;
import io.peercollab.rsocket.internal.Route.Interaction;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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

	private final PeerName caller;
	/** The connection this responder serves, as its requester side: tells a lost connection from a cancel. */
	private final RSocket requester;
	private final PeerRequestHandler handler;
	private final PayloadCodec codec;
	private final int maxStreams;
	private final String instance;
	private final InboundConnections.Connection connection;
	private final AtomicInteger openStreams = new AtomicInteger();
	/** Answers {@code peercollab.v1.punch}, or {@code null}: the route is then refused. */
	private HolePunchUpgrade holePunch;

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
		Inbound in;
		Route route;
		try {
			in = codec.receive(payload);
			route = Route.of(PayloadCodec.route(in.metadata()), Interaction.REQUEST_RESPONSE);
		}
		catch (RuntimeException e) {
			return Mono.error(refused(e, "a request-response"));
		}
		connection.streamOpened();
		return limited(Mono.defer(() -> respond(route, in))).onErrorMap(e -> wireError(e, route));
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
		SessionFrames sessionFrames = codec.sessionFrames();
		String frameWhat = Route.SESSION + " frame";
		boolean[] opening = {true};
		Flux<Object> inbound = Flux.from(payloads)
				.onErrorResume(CancellationException.class, e -> Flux.empty())
				.map(p -> {
					if (opening[0]) {
						opening[0] = false;
						try {
							return codec.receive(p);
						}
						catch (RuntimeException e) {
							report(e);
							throw e;
						}
					}
					try {
						return sessionFrames.decode(p, frameWhat);
					}
					catch (PayloadTooLargeException e) {
						report(e);
						throw e;
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
			SessionOpen open;
			try {
				open = decode(in.data(), Wire.Open.class, Wire.Open::toDomain,
						Route.SESSION + " opening payload");
			}
			catch (RuntimeException e) {
				return Flux.error(e);
			}
			// the handler's inbound ends as the caller's outbound does, or fails if the connection is lost first
			Flux<SessionFrame> frames = all.skip(1).cast(SessionFrame.class).takeUntilOther(lost.asMono());
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

	private Mono<Payload> respond(Route route, Inbound in) {
		return switch (route) {
			case HELLO -> Mono.just(codec.data(new Wire.Hello(codec.maxPayloadSize(), maxStreams, instance)));
			case INVITE -> handler.invite(caller, decode(in.data(), Wire.Invite.class,
					Wire.Invite::toDomain, INVITE_REQUEST))
					.map(r -> codec.data((CborWriter.Writable) w -> Wire.InviteAnswer.write(w, r)));
			case PRESENCE -> handler.presence(caller).map(p -> codec.data(Wire.Presence.from(p)));
			case CARD -> handler.card(caller).map(c -> codec.data(new Wire.Card(c)));
			case PUNCH -> holePunch == null
					? Mono.error(new InvalidRequestException("Route '" + route + "' is not served here"))
					: holePunch.answer(caller, decode(in.data(), Wire.Punch.class, w -> w, Route.PUNCH + " request"))
							.map(codec::data);
			default -> Mono.error(new InvalidRequestException("Route '" + route + "' is not request-response"));
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
