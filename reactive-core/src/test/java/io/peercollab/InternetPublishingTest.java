// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.contact.ContactStores;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerNamePublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * When the Internet record is published, in virtual time: on sign-in, at once on an address change, every republish
 * interval, empty on sign-out, retried after a failure.
 */
class InternetPublishingTest {

	private static final Duration WAIT = Duration.ofSeconds(5);
	private static final PeerEndPoint NAT = PeerEndPoint.of(new InetSocketAddress("203.0.113.7", 40_000));
	private static final PeerEndPoint MOVED = PeerEndPoint.of(new InetSocketAddress("203.0.113.8", 40_001));

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
	private final Recorder publisher = new Recorder();
	private PeerCollaboration collab;

	/** Records what is published; fails the first {@code failures} calls as an unreachable network would. */
	static final class Recorder implements PeerNamePublisher {

		final List<List<PeerEndPoint>> published = new CopyOnWriteArrayList<>();
		/** The device id each publication was made for, as the engine passed it. */
		final List<String> devices = new CopyOnWriteArrayList<>();
		final AtomicInteger failures = new AtomicInteger();

		@Override
		public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints, String deviceId) {
			return publish(identity, endPoints).doOnSuccess(v -> devices.add(deviceId));
		}

		@Override
		public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
			return Mono.defer(() -> {
				if (failures.getAndDecrement() > 0) {
					return Mono.error(new PeerUnreachableException("no DHT node took the record"));
				}
				published.add(endPoints);
				return Mono.empty();
			});
		}

		@Override
		public Duration recordLifetime() {
			return Duration.ofHours(2);
		}
	}

	private PeerCollaboration build(PeerIdentity identity) {
		collab = PeerCollaboration.builder().identity(identity)
				.transport(InMemoryPeerTransport.create())
				.timerScheduler(time)
				.namePublisher(publisher)
				.advertisedEndPoints(List.of(NAT))
				.build();
		return collab;
	}

	@AfterEach
	void close() {
		if (collab != null) {
			collab.close().block(WAIT);
		}
	}

	@Test
	void signInPublishesRepublishesHourlyOnChangeAtOnceAndSignOutPublishesNoEndpoints() {
		PeerCollaboration c = build(PeerIdentity.generate("alice"));
		c.signIn(PeerScope.INTERNET).block(WAIT);
		assertThat(publisher.published).containsExactly(List.of(NAT));

		time.advanceTimeBy(Duration.ofMinutes(59));
		assertThat(publisher.published).hasSize(1);
		time.advanceTimeBy(Duration.ofMinutes(1));
		assertThat(publisher.published).containsExactly(List.of(NAT), List.of(NAT));

		c.setAdvertisedEndPoints(List.of(MOVED)).block(WAIT);
		assertThat(publisher.published).hasSize(3).last().isEqualTo(List.of(MOVED));
		c.setAdvertisedEndPoints(List.of(MOVED)).block(WAIT);
		assertThat(publisher.published).as("the same addresses again: nothing to publish").hasSize(3);

		// The interval runs from sign-in, not from the last change: 2 h after sign-in is the third tick.
		time.advanceTimeBy(Duration.ofHours(1));
		assertThat(publisher.published).hasSize(4).last().isEqualTo(List.of(MOVED));

		c.signOut(PeerScope.INTERNET).block(WAIT);
		assertThat(publisher.published).hasSize(5).last().isEqualTo(List.of());
		time.advanceTimeBy(Duration.ofHours(5));
		c.setAdvertisedEndPoints(List.of(NAT)).block(WAIT);
		assertThat(publisher.published).as("signed out: nothing more is published").hasSize(5);
	}

	@Test
	void nearMeAloneDoesNotPublishAndTheDefaultAddressIsWhereTheEndpointListens() {
		collab = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(InMemoryPeerTransport.create()).discovery(new NoPeersDiscovery()).timerScheduler(time)
				.namePublisher(publisher).build();
		collab.signIn(PeerScope.NEAR_ME).block(WAIT);
		time.advanceTimeBy(Duration.ofHours(3));
		assertThat(publisher.published).isEmpty();
		collab.signIn(PeerScope.INTERNET).block(WAIT);
		assertThat(collab.advertisedEndPoints()).isEqualTo(collab.endPoints());
		assertThat(publisher.published).containsExactly(collab.endPoints());
	}

	@Test
	void aFailedPublicationIsRetriedWithBackoffAndReported() {
		publisher.failures.set(3);
		PeerCollaboration c = build(PeerIdentity.generate("alice"));
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		c.diagnostics().subscribe(diagnostics::add);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		assertThat(publisher.published).isEmpty();

		time.advanceTimeBy(Duration.ofSeconds(30));
		assertThat(publisher.published).containsExactly(List.of(NAT));
		assertThat(diagnostics).hasSize(3).allSatisfy(d -> {
			assertThat(d.kind()).isEqualTo(Diagnostic.Kind.PUBLISH_FAILED);
			assertThat(d.message()).contains("no DHT node took the record");
		});
	}

	@Test
	void anEcP256IdentityPublishesNothingAndSaysWhy() {
		PeerCollaboration c = build(PeerIdentity.generate("alice", KeyType.EC_P256));
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		c.diagnostics().subscribe(diagnostics::add);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		time.advanceTimeBy(Duration.ofHours(3));
		assertThat(publisher.published).isEmpty();
		assertThat(diagnostics).singleElement().satisfies(d -> assertThat(d.message())
				.contains("only Ed25519 identities publish").contains("card"));
	}

	@Test
	void theDeviceIdIsGeneratedOnceKeptInTheContactStoreAndHandedToThePublisher() {
		PeerIdentity alice = PeerIdentity.generate("alice");
		// under the build directory, as EndPointNameAndMeTest explains
		java.nio.file.Path laptopStore = java.nio.file.Path.of("target", "device-id", java.util.UUID.randomUUID()
				.toString(), "store");
		for (int start = 0; start < 2; start++) { // the same endpoint started twice with its store, as a program
			PeerCollaboration c = PeerCollaboration.builder().identity(alice).transport(InMemoryPeerTransport.create())
					.contactStore(ContactStores.h2(laptopStore)).namePublisher(publisher)
					.advertisedEndPoints(List.of(NAT)).build();
			c.signIn(PeerScope.INTERNET).block(WAIT);
			c.close().block(WAIT);
		}
		assertThat(publisher.devices).as("sign-in and sign-out of two starts").hasSize(4);
		assertThat(publisher.devices.get(0)).matches("[a-z0-9]{8}");
		assertThat(publisher.devices).containsOnly(publisher.devices.get(0));

		collab = PeerCollaboration.builder().identity(alice).transport(InMemoryPeerTransport.create())
				.contactStore(ContactStores.inMemory()).namePublisher(publisher).advertisedEndPoints(List.of(NAT))
				.build();
		collab.signIn(PeerScope.INTERNET).block(WAIT);
		assertThat(publisher.devices).as("another store: another device").hasSize(5).last()
				.isNotEqualTo(publisher.devices.get(0));
	}

	@Test
	void theRepublishIntervalMustBeShorterThanTheRecordLifetime() {
		var builder = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(InMemoryPeerTransport.create()).namePublisher(publisher)
				.republishInterval(Duration.ofHours(2));
		assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("republishInterval").hasMessageContaining("record lifetime");
		assertThatThrownBy(() -> PeerCollaboration.builder().republishInterval(Duration.ZERO))
				.isInstanceOf(IllegalArgumentException.class);
	}
}
