package io.peercollab.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.CollaborationSession;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceInfo;
import io.peercollab.SessionMessage;
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
		HostSession host = new HostSession(UUID.randomUUID(), APP, HOST, null);
		host.addMember(new SessionOnlyConnection(member), UUID.randomUUID());

		assertWindowed(member);
		assertReadInOrder(host, member);
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
		public InetSocketAddress remoteAddress() {
			return new InetSocketAddress("127.0.0.1", 9);
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
