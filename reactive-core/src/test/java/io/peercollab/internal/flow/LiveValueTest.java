// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.ConnectionPath;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** A live value: now, then its changes, the latest always last, completed at close. */
class LiveValueTest {

	@Test
	void emitsTheValueNowThenEachChangeOnceAndCompletesAtClose() {
		LiveValue<ConnectionPath> path = new LiveValue<>(ConnectionPath.RELAYED);

		StepVerifier.create(path.changes(), 0)
				.thenRequest(1)
				.expectNext(ConnectionPath.RELAYED)
				.then(() -> path.set(ConnectionPath.RELAYED))
				.then(() -> path.set(ConnectionPath.HOLE_PUNCHED))
				.thenRequest(1)
				.expectNext(ConnectionPath.HOLE_PUNCHED)
				.then(path::close)
				.expectComplete()
				.verify(Duration.ofSeconds(5));
		assertThat(path.get()).isEqualTo(ConnectionPath.HOLE_PUNCHED);
	}

	@Test
	void aSubscriberThatDoesNotRequestGetsTheLatest() {
		LiveValue<ConnectionPath> path = new LiveValue<>(ConnectionPath.DIRECT);

		StepVerifier.create(path.changes(), 0)
				.then(() -> path.set(ConnectionPath.RELAYED))
				.then(() -> path.set(ConnectionPath.HOLE_PUNCHED))
				.thenRequest(1)
				.expectNext(ConnectionPath.HOLE_PUNCHED)
				.thenCancel()
				.verify(Duration.ofSeconds(5));
	}

	@Test
	void twoThreadsSettingAtOnceLeaveTheLastValueSetAsTheLastEmitted() {
		for (int i = 0; i < 2_000; i++) {
			LiveValue<ConnectionPath> path = new LiveValue<>(ConnectionPath.RELAYED);
			List<ConnectionPath> seen = new CopyOnWriteArrayList<>();
			path.changes().subscribe(seen::add);

			RaceTestUtils.race(() -> path.set(ConnectionPath.HOLE_PUNCHED), () -> path.set(ConnectionPath.MAPPED));

			assertThat(seen.get(seen.size() - 1)).as("round %d: %s", i, seen).isEqualTo(path.get());
		}
	}
}
