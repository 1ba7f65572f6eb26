// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.spi.EndpointRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * One identity on several devices (the identity file copied), each device with its own {@link MainlineDht}: every
 * device is found through the DHT, and a device that signs out hides only itself. On a private 16-node Mainline
 * DHT ({@link DhtTestNetwork}); skipped outside a loopback-only network namespace.
 */
@Tag("slow")
@Timeout(90)
class MainlineDhtDevicesTest {

	private static final Duration WAIT = Duration.ofSeconds(15);

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	private MainlineDht laptop;

	private MainlineDht phone;

	private MainlineDht contact;

	@BeforeEach
	void startDevices() {
		laptop = dht("laptop");
		phone = dht("phone");
		contact = dht(null);
		StepVerifier.create(laptop.start().and(phone.start()).and(contact.start())).expectComplete().verify(WAIT);
	}

	@AfterEach
	void stopDevices() {
		if (laptop != null) {
			laptop.close().and(phone.close()).and(contact.close()).block(WAIT);
		}
	}

	private static MainlineDht dht(String deviceId) {
		return MainlineDht.builder()
				.bindAddress(DHT.network().newAddress())
				.bootstrapNodes(DHT.network().bootstrap())
				.deviceId(deviceId)
				.lookupTimeout(Duration.ofSeconds(5))
				.lookupGrace(Duration.ofMillis(200))
				.build();
	}

	private static PeerEndPoint endPoint(String ip, int port) throws Exception {
		return PeerEndPoint.of(new InetSocketAddress(InetAddress.getByName(ip), port));
	}

	private List<PeerEndPoint> found(PeerIdentity identity) {
		return contact.resolve(PeerContact.of(identity.name(), "contact", identity.certificate()))
				.map(EndpointRecord::endPoint)
				.collectList()
				.block(WAIT);
	}

	private static void publish(MainlineDht device, PeerIdentity identity, List<PeerEndPoint> endPoints) {
		StepVerifier.create(device.publish(identity, endPoints)).expectComplete().verify(WAIT);
	}

	@Test
	void bothDevicesAreFoundAndOneThatSignsOutLeavesTheOther() throws Exception {
		PeerIdentity alice = PeerIdentity.generate("alice", KeyType.ED25519);
		PeerEndPoint onLaptop = endPoint("203.0.113.10", 4710);
		PeerEndPoint onPhone = endPoint("2001:db8::11", 4711);

		publish(laptop, alice, List.of(onLaptop));
		publish(phone, alice, List.of(onPhone));
		assertThat(found(alice)).containsExactlyInAnyOrder(onLaptop, onPhone);

		publish(laptop, alice, List.of()); // the laptop signs out
		assertThat(found(alice)).containsExactly(onPhone);

		publish(phone, alice, List.of()); // and the phone
		assertThat(found(alice)).isEmpty();
	}

	@Test
	void aDeviceThatRepublishesReplacesOnlyItsOwnEndpoints() throws Exception {
		PeerIdentity bob = PeerIdentity.generate("bob", KeyType.ED25519);
		PeerEndPoint laptopFirst = endPoint("203.0.113.20", 5000);
		PeerEndPoint laptopMoved = endPoint("203.0.113.21", 5001);
		PeerEndPoint onPhone = endPoint("203.0.113.22", 5002);

		publish(laptop, bob, List.of(laptopFirst));
		publish(phone, bob, List.of(onPhone));
		publish(laptop, bob, List.of(laptopMoved));
		assertThat(found(bob)).containsExactlyInAnyOrder(laptopMoved, onPhone);

		publish(phone, bob, List.of(onPhone)); // the hourly republication keeps the laptop's
		assertThat(found(bob)).containsExactlyInAnyOrder(laptopMoved, onPhone);
	}

	@Test
	void devicesPublishingAtOnceOverAStoredRecordAreBothFound() throws Exception {
		PeerIdentity carol = PeerIdentity.generate("carol", KeyType.ED25519);
		PeerEndPoint laptopFirst = endPoint("203.0.113.30", 6000);
		PeerEndPoint laptopMoved = endPoint("203.0.113.31", 6001);
		PeerEndPoint onPhone = endPoint("203.0.113.32", 6002);
		publish(laptop, carol, List.of(laptopFirst));

		// both read the laptop's record; the compare-and-swap makes the later one merge again
		StepVerifier.create(Mono.when(laptop.publish(carol, List.of(laptopMoved)), phone.publish(carol,
				List.of(onPhone)))).expectComplete().verify(WAIT.multipliedBy(2));

		assertThat(found(carol)).containsExactlyInAnyOrder(laptopMoved, onPhone);
	}

	/** What a device does between its read and its put is held until {@code release} completes; {@code read} then. */
	private static void holdBeforePut(MainlineDht device, Sinks.Empty<Void> read, Mono<Void> release) {
		device.pauseBeforePut = id -> {
			read.tryEmitEmpty();
			return release;
		};
	}

	private List<PeerEndPoint> foundOnceItHas(PeerIdentity identity, int count) {
		PeerContact c = PeerContact.of(identity.name(), "contact", identity.certificate());
		return Flux.interval(Duration.ZERO, Duration.ofMillis(250))
				.onBackpressureDrop()
				.concatMap(tick -> contact.resolve(c).map(EndpointRecord::endPoint).collectList())
				.filter(list -> list.size() >= count)
				.blockFirst(WAIT.multipliedBy(2));
	}

	@RepeatedTest(3)
	void twoFirstPublicationsAtOnceAreBothFoundTheOverwrittenOneMergesItselfBackIn() throws Exception {
		PeerIdentity dave = PeerIdentity.generate("dave", KeyType.ED25519); // nothing stored for it yet
		PeerEndPoint onLaptop = endPoint("203.0.113.50", 7100);
		PeerEndPoint onPhone = endPoint("203.0.113.51", 7101);
		Sinks.Empty<Void> phoneRead = Sinks.empty();
		Sinks.Empty<Void> release = Sinks.empty();
		holdBeforePut(phone, phoneRead, release.asMono());

		Mono<Void> phonePublished = phone.publish(dave, List.of(onPhone)).cache();
		phonePublished.subscribe(null, e -> { });
		StepVerifier.create(phoneRead.asMono()).expectComplete().verify(WAIT); // the phone read: nothing stored
		publish(laptop, dave, List.of(onLaptop)); // the laptop reads nothing too, puts its record, completes
		release.tryEmitEmpty(); // the phone puts its own first record over the laptop's
		StepVerifier.create(phonePublished).expectComplete().verify(WAIT);
		assertThat(found(dave)).as("the race happened: the phone's first record hid the laptop's")
				.containsExactly(onPhone);

		// the laptop reads its first record back, finds itself missing, and merges itself in
		assertThat(foundOnceItHas(dave, 2)).containsExactlyInAnyOrder(onLaptop, onPhone);
	}

	@RepeatedTest(3)
	void aFirstPublicationHeldLongerThanTheLookupTimeoutReadsAgainInsteadOfPuttingOverAnother() throws Exception {
		MainlineDht quickLaptop = quick();
		MainlineDht quickPhone = quick();
		try {
			PeerIdentity erin = PeerIdentity.generate("erin", KeyType.ED25519);
			PeerEndPoint onLaptop = endPoint("203.0.113.60", 7200);
			PeerEndPoint onPhone = endPoint("203.0.113.61", 7201);
			Sinks.Empty<Void> phoneRead = Sinks.empty();
			// held past the laptop's read-back too: only the phone's own read can keep the laptop's endpoints
			Mono<Void> release = Mono.delay(Duration.ofSeconds(5)).then();
			holdBeforePut(quickPhone, phoneRead, release);

			Mono<Void> phonePublished = quickPhone.publish(erin, List.of(onPhone)).cache();
			phonePublished.subscribe(null, e -> { });
			StepVerifier.create(phoneRead.asMono()).expectComplete().verify(WAIT);
			quickPhone.pauseBeforePut = id -> Mono.empty(); // its second read goes straight on
			publish(quickLaptop, erin, List.of(onLaptop));
			StepVerifier.create(phonePublished).expectComplete().verify(WAIT);

			assertThat(found(erin)).containsExactlyInAnyOrder(onLaptop, onPhone);
		}
		finally {
			quickLaptop.close().and(quickPhone.close()).block(WAIT);
		}
	}

	/** A device with a lookup timeout of 2 s, so that a read goes stale within a test. */
	private static MainlineDht quick() {
		MainlineDht d = MainlineDht.builder()
				.bindAddress(DHT.network().newAddress())
				.bootstrapNodes(DHT.network().bootstrap())
				.lookupTimeout(Duration.ofSeconds(2))
				.lookupGrace(Duration.ofMillis(200))
				.build();
		StepVerifier.create(d.start()).expectComplete().verify(WAIT);
		return d;
	}
}
