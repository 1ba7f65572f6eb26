// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.ConnectionPath;
import io.peercollab.PeerAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.LiveValue;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** The path shown for a peer is the most direct of its open connections', and follows them as they change. */
class PeerPathsTest {

	private static final PeerName BOB = PeerIdentity.generate("bob").name();

	@Test
	void theMostDirectOpenConnectionIsShownAndAClosedOneLeaves() {
		PeerPaths paths = new PeerPaths();
		Fake relayed = new Fake(ConnectionPath.RELAYED);
		Fake punched = new Fake(ConnectionPath.RELAYED);

		StepVerifier.create(paths.changes(BOB))
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.then(() -> paths.opened(BOB, relayed))
				.expectNext(ConnectionPath.RELAYED)
				.then(() -> paths.opened(BOB, relayed))
				.then(() -> paths.opened(BOB, punched))
				.then(() -> punched.path.set(ConnectionPath.HOLE_PUNCHED))
				.expectNext(ConnectionPath.HOLE_PUNCHED)
				.then(punched::dispose)
				.expectNext(ConnectionPath.RELAYED)
				.then(relayed::dispose)
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.thenCancel()
				.verify(Duration.ofSeconds(5));
		assertThat(paths.path(BOB)).isEqualTo(ConnectionPath.NOT_CONNECTED);
	}

	@Test
	void aChangeRacingACloseEndsWithWhatIsOpen() {
		for (int i = 0; i < 1_000; i++) {
			PeerPaths paths = new PeerPaths();
			Fake direct = new Fake(ConnectionPath.DIRECT);
			Fake relayed = new Fake(ConnectionPath.RELAYED);
			paths.opened(BOB, direct);
			paths.opened(BOB, relayed);
			List<ConnectionPath> seen = new CopyOnWriteArrayList<>();
			paths.changes(BOB).subscribe(seen::add);

			RaceTestUtils.race(direct::dispose, () -> relayed.path.set(ConnectionPath.HOLE_PUNCHED));

			assertThat(paths.path(BOB)).isEqualTo(ConnectionPath.HOLE_PUNCHED);
			assertThat(seen.get(seen.size() - 1)).as("round %d: %s", i, seen).isEqualTo(ConnectionPath.HOLE_PUNCHED);
		}
	}

	/** A connection whose path the test sets and which closes when disposed. */
	private static final class Fake implements PeerConnection {

		final LiveValue<ConnectionPath> path;
		final Sinks.Empty<Void> closed = Sinks.empty();

		Fake(ConnectionPath initial) {
			path = new LiveValue<>(initial);
		}

		@Override
		public ConnectionPath path() {
			return path.get();
		}

		@Override
		public Flux<ConnectionPath> pathChanges() {
			return path.changes();
		}

		@Override
		public void dispose() {
			closed.tryEmitEmpty();
			path.close();
		}

		@Override
		public boolean isDisposed() {
			return closed.scan(reactor.core.Scannable.Attr.TERMINATED);
		}

		@Override
		public Mono<Void> onClose() {
			return closed.asMono();
		}

		@Override
		public PeerName remote() {
			return BOB;
		}

		@Override
		public PeerAddress remoteAddress() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Mono<InviteReply> invite(InviteRequest request) {
			return Mono.never();
		}

		@Override
		public Mono<io.peercollab.PresenceInfo> presence() {
			return Mono.never();
		}

		@Override
		public Flux<io.peercollab.PeerApplication> applications() {
			return Flux.never();
		}

		@Override
		public Flux<io.peercollab.PeerObject> objects() {
			return Flux.never();
		}

		@Override
		public Mono<String> card() {
			return Mono.never();
		}

		@Override
		public Flux<io.peercollab.PeerEvent> events(long afterVersion) {
			return Flux.never();
		}

		@Override
		public Flux<SessionFrame> session(SessionOpen open, Publisher<SessionFrame> outbound) {
			return Flux.never();
		}

		@Override
		public Mono<Void> signedOut() {
			return Mono.never();
		}
	}
}
