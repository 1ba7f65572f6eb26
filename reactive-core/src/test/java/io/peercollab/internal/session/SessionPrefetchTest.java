// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.session;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.peercollab.CollaborationSession;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.SessionMessage;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both ends of a session take the frames of their channel a window at a time, so that messages do not each wait for a
 * REQUEST_N round trip, and still hold no more than {@link CollaborationSession#RECEIVE_BUFFER} messages for a
 * reader that does not read.
 */
class SessionPrefetchTest {

	static final PeerName HOST = PeerName.unsecured("host");
	static final PeerName MEMBER = PeerName.unsecured("member");
	static final PeerApplication APP = PeerApplication.of(UUID.randomUUID(), "whiteboard", PeerScope.ALL);
	static final int SENT = 10 * CollaborationSession.RECEIVE_BUFFER;

	/** Frames "0", "1", ... as the remote side would send them: only as many as were requested. */
	static final class Sender {
		final List<Long> requests = new CopyOnWriteArrayList<>();
		final AtomicInteger sent = new AtomicInteger();

		Flux<SessionFrame> frames() {
			return Flux.range(0, SENT)
					.map(i -> new SessionFrame(null, Integer.toString(i).getBytes(StandardCharsets.UTF_8)))
					.doOnNext(f -> sent.incrementAndGet())
					.doOnRequest(requests::add)
					// the remote side keeps the channel open
					.concatWith(Flux.never());
		}
	}

	@Test
	void aMemberAsksTheHostForAWindowOfFramesNotForOneAfterEach() {
		Sender host = new Sender();
		MemberSession member = new MemberSession(UUID.randomUUID(), APP, HOST);
		member.serve(host.frames()).subscribe();

		assertWindowed(host);
		assertReadInOrder(member, host);
	}

	@Test
	void aHostAsksAMemberForAWindowOfFramesNotForOneAfterEach() {
		Sender member = new Sender();
		HostSession host = new HostSession(UUID.randomUUID(), APP, HOST, null, new AtomicInteger());
		host.addMember(new SessionOnlyConnection(member), UUID.randomUUID());

		assertWindowed(member);
		assertReadInOrder(host, member);
	}

	@Test
	void aReaderReturnsCreditToTheChannelByThreeQuartersOfTheWindow() {
		Sender host = new Sender();
		MemberSession member = new MemberSession(UUID.randomUUID(), APP, HOST);
		member.serve(host.frames()).subscribe();

		StepVerifier.create(member.receive().take(SessionBase.WIRE_REFILL - 1)).expectNextCount(
				SessionBase.WIRE_REFILL - 1).verifyComplete();
		assertThat(host.requests).as("no credit back before %d messages were read", SessionBase.WIRE_REFILL)
				.containsExactly((long) SessionBase.WIRE_PREFETCH);
		StepVerifier.create(member.receive().take(1)).expectNextCount(1).verifyComplete();
		assertThat(host.requests).containsExactly((long) SessionBase.WIRE_PREFETCH, (long) SessionBase.WIRE_REFILL);
		assertThat(host.sent.get()).isEqualTo(SessionBase.WIRE_PREFETCH + SessionBase.WIRE_REFILL);
	}

	@Test
	void aSenderTakesFromItsPublisherByTheWindowAndCompletesOnceTheChannelTookEverything() {
		MemberSession member = new MemberSession(UUID.randomUUID(), APP, HOST);
		Flux<SessionFrame> toHost = member.serve(Flux.never());
		List<Long> requests = new CopyOnWriteArrayList<>();
		AtomicInteger produced = new AtomicInteger();
		Mono<Void> sent = member.send(Flux.range(0, SENT).map(i -> Integer.toString(i).getBytes(StandardCharsets.UTF_8))
				.doOnRequest(requests::add).doOnNext(b -> produced.incrementAndGet())).cache();
		sent.subscribe(null, e -> { });

		// the channel takes nothing yet: the publisher gave one window, and the send is not complete
		assertThat(requests).containsExactly((long) SessionBase.WIRE_PREFETCH);
		assertThat(produced.get()).isEqualTo(SessionBase.WIRE_PREFETCH);
		AtomicInteger taken = new AtomicInteger();
		StepVerifier.create(toHost.map(f -> new String(f.data(), StandardCharsets.UTF_8)), 0)
				.thenRequest(10)
				.expectNextSequence(IntStream.range(0, 10).mapToObj(Integer::toString).toList())
				.then(() -> assertThat(sent.toFuture()).isNotDone())
				.thenRequest(SENT - 10)
				.thenConsumeWhile(x -> {
					assertThat(produced.get() - taken.incrementAndGet() - 10)
							.as("messages taken from the publisher and not by the channel")
							.isLessThanOrEqualTo(SessionBase.WIRE_PREFETCH);
					return taken.get() < SENT - 10;
				})
				.then(() -> StepVerifier.create(sent).verifyComplete())
				.thenCancel()
				.verify(Duration.ofSeconds(10));
		assertThat(requests).doesNotContain(Long.MAX_VALUE)
				.allSatisfy(n -> assertThat(n).isIn((long) SessionBase.WIRE_PREFETCH, (long) SessionBase.WIRE_REFILL));
	}

	@Test
	void aSendOfOneMessageCompletesOnlyOnceTheChannelTookIt() {
		MemberSession member = new MemberSession(UUID.randomUUID(), APP, HOST);
		Flux<SessionFrame> toHost = member.serve(Flux.never());
		Mono<Void> sent = member.send(new byte[] {42}).cache();
		sent.subscribe(null, e -> { });
		StepVerifier.create(toHost, 0)
				.then(() -> assertThat(sent.toFuture()).isNotDone())
				.thenRequest(1)
				.assertNext(f -> assertThat(f.data()).containsExactly(42))
				.then(() -> StepVerifier.create(sent).verifyComplete())
				.thenCancel()
				.verify(Duration.ofSeconds(10));
	}

	@Test
	void aMessageLeftBehindByACancelledReaderGoesToTheNextOne() {
		Sender host = new Sender();
		MemberSession member = new MemberSession(UUID.randomUUID(), APP, HOST);
		member.serve(host.frames()).subscribe();
		StepVerifier.create(member.receive().take(3).map(SessionMessage::text))
				.expectNext("0", "1", "2").verifyComplete();
		StepVerifier.create(member.receive().take(2).map(SessionMessage::text))
				.expectNext("3", "4").verifyComplete();
		member.dispose();
		StepVerifier.create(member.receive().map(SessionMessage::text))
				.expectNextCount(SessionBase.WIRE_PREFETCH - 5)
				.verifyComplete();
		// and a reader after the end sees the end
		StepVerifier.create(member.receive()).verifyComplete();
	}

	private static void assertWindowed(Sender sender) {
		assertThat(sender.requests).as("requests of the receiving side").isNotEmpty()
				.allSatisfy(n -> assertThat(n).isGreaterThan(1L));
		assertThat(sender.requests.get(0)).isEqualTo(SessionBase.WIRE_PREFETCH);
		// nobody reads: what was taken is buffered, and the buffer still bounds it
		assertThat(sender.sent.get()).as("frames taken from a channel nobody reads")
				.isGreaterThanOrEqualTo(SessionBase.WIRE_PREFETCH)
				.isLessThanOrEqualTo(CollaborationSession.RECEIVE_BUFFER + 1);
	}

	private static void assertReadInOrder(CollaborationSession session, Sender sender) {
		StepVerifier.create(session.receive().take(SENT).map(SessionMessage::text).index())
				.thenConsumeWhile(t -> t.getT2().equals(Long.toString(t.getT1())))
				.expectComplete()
				.verify(Duration.ofSeconds(10));
		assertThat(sender.sent.get()).isEqualTo(SENT);
	}

	/** A connection that only opens session channels, answered by {@code member}. */
	static final class SessionOnlyConnection implements PeerConnection {

		private final Sender member;

		SessionOnlyConnection(Sender member) {
			this.member = member;
		}

		@Override
		public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
			Flux.from(outbound).subscribe();
			return member.frames();
		}

		@Override
		public PeerName remote() {
			return MEMBER;
		}

		@Override
		public PeerAddress remoteAddress() {
			return TcpAddress.of(new InetSocketAddress("127.0.0.1", 9));
		}

		@Override
		public Mono<InviteReply> invite(InviteRequest request) {
			return Mono.error(new UnsupportedOperationException());
		}

		@Override
		public Mono<PresenceInfo> presence() {
			return Mono.error(new UnsupportedOperationException());
		}

		@Override
		public Flux<PeerApplication> applications() {
			return Flux.error(new UnsupportedOperationException());
		}

		@Override
		public Flux<PeerObject> objects() {
			return Flux.error(new UnsupportedOperationException());
		}

		@Override
		public Mono<String> card() {
			return Mono.error(new UnsupportedOperationException());
		}

		@Override
		public Flux<PeerEvent> events(long afterVersion) {
			return Flux.error(new UnsupportedOperationException());
		}

		@Override
		public Mono<Void> signedOut() {
			return Mono.empty();
		}

		@Override
		public Mono<Void> onClose() {
			return Mono.never();
		}

		@Override
		public void dispose() {
		}
	}
}
