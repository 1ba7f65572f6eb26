// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.channel.embedded.EmbeddedChannel;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PresenceInfo;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.Expiries;
import io.peercollab.rsocket.RawClient;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.frame.decoder.PayloadDecoder;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.publisher.TestPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who releases the payloads of a REQUEST_CHANNEL that a responder does not (or no longer) want.
 *
 * <p>The first two tests pin down rsocket-java 1.1.5 and Reactor on a bare RSocket over loopback TCP, with a
 * {@link PayloadDecoder} that records what it decodes (zero-copy, as PeerCollab's server decodes): they show what
 * a responder must do itself. The last tests hold {@link PeerResponder} to it, deterministically, with an inbound
 * that goes on emitting after it was cancelled, as RSocket's does, and beyond what was requested, as a hostile
 * requester's payloads do (RSocket hands them over whatever the demand).
 */
class ChannelPayloadReleaseTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<Decoded> decoded = new CopyOnWriteArrayList<>();
	private CloseableChannel server;
	private RSocket client;

	/** A payload the server decoded, with its data read as text at decoding time. */
	private record Decoded(String data, Payload payload) {
	}

	@AfterEach
	void close() {
		if (client != null) {
			client.dispose();
		}
		if (server != null) {
			server.dispose();
		}
		decoded.forEach(d -> {
			if (d.payload.refCnt() > 0) {
				d.payload.release(d.payload.refCnt());
			}
		});
	}

	/**
	 * The hypothesis from reading {@code RequestChannelResponderSubscriber}: {@code tryTerminate} (here from the
	 * requester's CANCEL) releases the first payload only while nobody subscribed to the inbound. A handler that
	 * subscribed and had not requested yet keeps it: RSocket 1.1.5 leaks it. If an upgrade fixes this, this test
	 * fails, and the test below stays as the guard.
	 */
	@Test
	void bareRSocketKeepsTheFirstPayloadOfAChannelWhoseInboundWasSubscribedButNotRequestedWhenTheRequesterCancels()
			throws Exception {
		CountDownLatch subscribed = new CountDownLatch(1);
		CountDownLatch outboundCancelled = new CountDownLatch(1);
		start(new RSocket() {
			@Override
			public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
				payloads.subscribe(new BaseSubscriber<Payload>() {
					@Override
					protected void hookOnSubscribe(Subscription subscription) {
						// subscribed, nothing requested yet
						subscribed.countDown();
					}
				});
				return Flux.<Payload>never().doOnCancel(outboundCancelled::countDown);
			}
		});
		Disposable channel = client.requestChannel(Flux.just(DefaultPayload.create("first"))
				.concatWith(Flux.never())).subscribe();
		assertThat(subscribed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		channel.dispose();
		assertThat(outboundCancelled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		barrier();

		assertThat(payload("first").refCnt()).as("the first payload after the stream ended").isEqualTo(1);
	}

	/**
	 * What a responder whose inbound {@code map} refuses a payload sees: the map cancels the inbound, but RSocket
	 * 1.1.5 goes on handing it the payloads already on their way (its {@code cancel()} does not stop
	 * {@code handlePayload} while the outbound is open), and Reactor's map, done, drops them with
	 * {@code onNextDropped}, which does not release them.
	 */
	@Test
	void bareRSocketHandsPayloadsToAnInboundWhoseMapFailedAndReactorDropsThemUnreleased() throws Exception {
		CountDownLatch inboundFailed = new CountDownLatch(1);
		start(new RSocket() {
			@Override
			public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
				Flux.from(payloads).map(p -> {
					try {
						if (p.data().readableBytes() > 8) {
							throw new IllegalArgumentException("too large");
						}
						return p.getDataUtf8();
					}
					finally {
						p.release();
					}
				}).subscribe(s -> {
				}, e -> inboundFailed.countDown());
				// the outbound goes on (a handler that has something left to say)
				return Flux.never();
			}
		});
		CountDownLatch sent = new CountDownLatch(1);
		client.requestChannel(Flux.just(DefaultPayload.create("first"), DefaultPayload.create("much too large"),
				DefaultPayload.create("later")).doOnComplete(sent::countDown).concatWith(Flux.never())).subscribe();
		assertThat(sent.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(inboundFailed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		barrier();

		assertThat(payload("first").refCnt()).isZero();
		assertThat(payload("much too large").refCnt()).isZero();
		assertThat(payload("later").refCnt()).as("the payload after the refused one").isEqualTo(1);
	}

	/**
	 * {@link PeerResponder}'s channel: an opening payload, a frame above {@code maxPayloadSize}, then frames that
	 * RSocket hands over after the inbound was cancelled, with a handler whose outbound goes on: every payload is
	 * released.
	 */
	@Test
	void peerResponderReleasesEveryPayloadOfAChannelAfterRefusingAFrame() {
		TestPublisher<Payload> inbound = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
				TestPublisher.Violation.REQUEST_OVERFLOW);
		Disposable answer = responder().requestChannel(inbound).subscribe(p -> p.release(), e -> {
		});
		Payload open = opening();
		Payload tooLarge = frame(new byte[2048]);
		Payload later = frame(new byte[16]);
		Payload last = frame(new byte[16]);
		inbound.next(open, tooLarge, later, last);
		answer.dispose();

		assertThat(List.of(open, tooLarge, later, last)).allSatisfy(p -> assertThat(p.refCnt()).isZero());
	}

	/** As above with the opening payload refused: what comes after it is released too. */
	@Test
	void peerResponderReleasesEveryPayloadOfAChannelAfterRefusingItsOpening() {
		TestPublisher<Payload> inbound = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
				TestPublisher.Violation.REQUEST_OVERFLOW);
		Disposable answer = responder().requestChannel(inbound).subscribe(p -> p.release(), e -> {
		});
		Payload open = new TrackedPayload(Unpooled.wrappedBuffer(new byte[2048]),
				RawClient.routing(Route.SESSION.path()));
		Payload later = frame(new byte[16]);
		inbound.next(open, later);
		answer.dispose();

		assertThat(List.of(open, later)).allSatisfy(p -> assertThat(p.refCnt()).isZero());
	}

	private void start(RSocket responder) {
		PayloadDecoder recording = frame -> {
			// a copy that counts its own references: RSocket's pooled payloads are recycled once released
			Payload zeroCopy = PayloadDecoder.ZERO_COPY.apply(frame);
			Payload p;
			try {
				p = new TrackedPayload(Unpooled.copiedBuffer(zeroCopy.sliceData()),
						zeroCopy.hasMetadata() ? Unpooled.copiedBuffer(zeroCopy.sliceMetadata()) : null);
			}
			finally {
				zeroCopy.release();
			}
			decoded.add(new Decoded(p.getDataUtf8(), p));
			return p;
		};
		RSocket withBarrier = new RSocket() {
			@Override
			public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
				return responder.requestChannel(payloads);
			}

			@Override
			public Mono<Payload> requestResponse(Payload payload) {
				payload.release();
				return Mono.just(DefaultPayload.create("barrier"));
			}
		};
		server = RSocketServer.create(SocketAcceptor.with(withBarrier))
				.payloadDecoder(recording)
				.bind(TcpServerTransport.create("127.0.0.1", 0))
				.block(WAIT);
		client = RSocketConnector.create().connect(TcpClientTransport.create(server.address())).block(WAIT);
	}

	/** A request-response after what was sent: the server answers it only once it has handled all before it. */
	private void barrier() {
		assertThat(client.requestResponse(DefaultPayload.create("barrier")).map(Payload::getDataUtf8).block(WAIT))
				.isEqualTo("barrier");
	}

	private Payload payload(String data) {
		return decoded.stream().filter(d -> d.data.equals(data)).findFirst().orElseThrow().payload;
	}

	private static PeerResponder responder() {
		PeerName caller = PeerName.of("0", "caller");
		InboundConnections connections = new InboundConnections(16, 16, Duration.ofMinutes(1),
				new Expiries(Schedulers.single()));
		PeerRequestHandler handler = new SessionOnlyHandler();
		return new PeerResponder(caller, new RSocket() {
		}, handler, new PayloadCodec(1024), 16, "test", connections.new Connection(new EmbeddedChannel(), null));
	}

	private static Payload opening() {
		byte[] data = RawClient.cbor(Map.of("invitationId", UUID.randomUUID().toString(), "sessionId",
				UUID.randomUUID().toString(), "applicationId", UUID.randomUUID().toString()));
		return new TrackedPayload(Unpooled.wrappedBuffer(data), RawClient.routing(Route.SESSION.path()));
	}

	private static Payload frame(byte[] bytes) {
		return new TrackedPayload(Unpooled.wrappedBuffer(RawClient.cbor(Map.of("data", bytes))), null);
	}

	/**
	 * A payload whose reference count is its own, never recycled (RSocket's {@code ByteBufPayload} objects go back to
	 * a pool when released, and may then count another payload's references).
	 */
	private static final class TrackedPayload extends AbstractReferenceCounted implements Payload {

		private final ByteBuf data;
		private final ByteBuf metadata;

		TrackedPayload(ByteBuf data, ByteBuf metadata) {
			this.data = data;
			this.metadata = metadata;
		}

		@Override
		public boolean hasMetadata() {
			return metadata != null;
		}

		@Override
		public ByteBuf sliceMetadata() {
			return metadata == null ? Unpooled.EMPTY_BUFFER : metadata.slice();
		}

		@Override
		public ByteBuf sliceData() {
			return data.slice();
		}

		@Override
		public ByteBuf data() {
			return data;
		}

		@Override
		public ByteBuf metadata() {
			return metadata == null ? Unpooled.EMPTY_BUFFER : metadata;
		}

		@Override
		public TrackedPayload retain() {
			super.retain();
			return this;
		}

		@Override
		public TrackedPayload retain(int increment) {
			super.retain(increment);
			return this;
		}

		@Override
		public TrackedPayload touch() {
			return this;
		}

		@Override
		public TrackedPayload touch(Object hint) {
			return this;
		}

		@Override
		protected void deallocate() {
			data.release();
			if (metadata != null) {
				metadata.release();
			}
		}
	}

	/** Serves sessions only: reads the inbound to its end (or error), and keeps its own outbound open. */
	private static final class SessionOnlyHandler implements PeerRequestHandler {

		@Override
		public Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
			return inbound.onErrorResume(e -> Flux.empty()).thenMany(Flux.never());
		}

		@Override
		public Mono<InviteReply> invite(PeerName caller, InviteRequest request) {
			return Mono.never();
		}

		@Override
		public Mono<PresenceInfo> presence(PeerName caller) {
			return Mono.never();
		}

		@Override
		public Flux<PeerApplication> applications(PeerName caller) {
			return Flux.never();
		}

		@Override
		public Flux<PeerObject> objects(PeerName caller) {
			return Flux.never();
		}

		@Override
		public Mono<String> card(PeerName caller) {
			return Mono.never();
		}

		@Override
		public Flux<PeerEvent> events(PeerName caller, long afterVersion) {
			return Flux.never();
		}

		@Override
		public Mono<Void> signedOut(PeerName caller) {
			return Mono.empty();
		}
	}
}
