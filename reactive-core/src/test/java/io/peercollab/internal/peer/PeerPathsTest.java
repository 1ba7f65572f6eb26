// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.ConnectionPath;
import io.peercollab.ForwardingConnection;
import io.peercollab.ForwardingConnection.WithPath;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** The path shown for a peer is the most direct of its open connections', and follows them as they change. */
class PeerPathsTest {

	private static final PeerName BOB = PeerIdentity.generate("bob").name();

	@Test
	void theMostDirectOpenConnectionIsShownAndAClosedOneLeaves() {
		PeerPaths paths = new PeerPaths();
		WithPath relayed = fake(ConnectionPath.RELAYED);
		WithPath punched = fake(ConnectionPath.RELAYED);

		StepVerifier.create(paths.changes(BOB))
				.expectNext(ConnectionPath.NOT_CONNECTED)
				.then(() -> paths.opened(BOB, relayed))
				.expectNext(ConnectionPath.RELAYED)
				.then(() -> paths.opened(BOB, relayed))
				.then(() -> paths.opened(BOB, punched))
				.then(() -> punched.setPath(ConnectionPath.HOLE_PUNCHED))
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
			WithPath direct = fake(ConnectionPath.DIRECT);
			WithPath relayed = fake(ConnectionPath.RELAYED);
			paths.opened(BOB, direct);
			paths.opened(BOB, relayed);
			List<ConnectionPath> seen = new CopyOnWriteArrayList<>();
			paths.changes(BOB).subscribe(seen::add);

			RaceTestUtils.race(direct::dispose, () -> relayed.setPath(ConnectionPath.HOLE_PUNCHED));

			assertThat(paths.path(BOB)).isEqualTo(ConnectionPath.HOLE_PUNCHED);
			assertThat(seen.get(seen.size() - 1)).as("round %d: %s", i, seen).isEqualTo(ConnectionPath.HOLE_PUNCHED);
		}
	}

	/** A connection to Bob that answers nothing, whose path the test sets and which closes when disposed. */
	private static WithPath fake(ConnectionPath initial) {
		return new WithPath(ForwardingConnection.silent(BOB), initial);
	}
}
