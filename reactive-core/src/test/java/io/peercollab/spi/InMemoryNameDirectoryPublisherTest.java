// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import static io.peercollab.spi.NameFixtures.contactOf;
import static io.peercollab.spi.NameFixtures.endPoint;
import static io.peercollab.spi.NameFixtures.twoEndPoints;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InMemoryNameDirectory} as a publisher, against the {@link PeerNamePublisherContract}, and its records'
 * lifetime in virtual time.
 */
class InMemoryNameDirectoryPublisherTest extends PeerNamePublisherContract {

	private final InMemoryNameDirectory directory = new InMemoryNameDirectory();

	@Override
	protected PeerNamePublisher publisher() {
		return directory;
	}

	@Override
	protected PeerNameResolver resolver() {
		return directory;
	}

	@Override
	protected List<PeerEndPoint> tooManyEndPoints() {
		List<PeerEndPoint> many = new ArrayList<>();
		for (int i = 1; i <= InMemoryNameDirectory.MAX_END_POINTS + 1; i++) {
			many.add(endPoint("eth" + i, "198.51.100." + i, 5000 + i));
		}
		return many;
	}

	@Override
	protected PeerNamePublisher unreachable() {
		InMemoryNameDirectory offline = new InMemoryNameDirectory();
		offline.reachable(false);
		return offline;
	}

	@Test
	void aRecordIsVouchedForLessAsItAgesAndIsGoneAfterItsLifetime() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		InMemoryNameDirectory aging = new InMemoryNameDirectory(EndpointSource.DHT, Duration.ofHours(2),
				Duration.ofHours(1), time);
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		StepVerifier.create(aging.publish(alice, twoEndPoints(40))).verifyComplete();

		time.advanceTimeBy(Duration.ofMinutes(90));
		StepVerifier.create(aging.resolve(contactOf(alice)))
				.assertNext(r -> assertThat(r.timeToLive()).isEqualTo(Duration.ofMinutes(30)))
				.assertNext(r -> assertThat(r.timeToLive()).isEqualTo(Duration.ofMinutes(30)))
				.verifyComplete();

		time.advanceTimeBy(Duration.ofMinutes(30));
		StepVerifier.create(aging.resolve(contactOf(alice))).verifyComplete();
		assertThat(aging.endPointsOf(alice.name())).isEmpty();
	}

	@Test
	void endpointNamesSurviveInMemory() {
		PeerIdentity bob = PeerIdentity.generate("bob", KeyType.ED25519);
		List<PeerEndPoint> endPoints = twoEndPoints(41);
		StepVerifier.create(directory.publish(bob, endPoints)).verifyComplete();

		StepVerifier.create(directory.resolve(contactOf(bob)).map(EndpointRecord::endPoint))
				.expectNextSequence(endPoints)
				.verifyComplete();
		assertThat(directory.endPointsOf(bob.name())).isEqualTo(endPoints);
	}
}
