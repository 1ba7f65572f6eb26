// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.peercollab.IpLiterals;
import io.peercollab.PeerAddress;
import io.peercollab.RelayedAddress;
import io.peercollab.TcpAddress;
import io.peercollab.spi.TransportBinding;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * {@link DialOrder}'s skipping of a relayed address whose device a direct dial already reached, and only then: another
 * device's relay, a relay whose device's direct dial failed, and a relay of an unknown device are dialled.
 */
class DialOrderTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final TcpAddress DIRECT = TcpAddress.of(new InetSocketAddress(IpLiterals.parseAddress(
			"198.51.100.7"), 7000));

	private static final RelayedAddress RELAY = new RelayedAddress(TcpAddress.of(new InetSocketAddress(
			IpLiterals.parseAddress("203.0.113.20"), 50000)));

	/** Every dial subscribed, in order. */
	private final List<PeerAddress> dialled = new CopyOnWriteArrayList<>();

	@Test
	void theRelayOfADeviceReachedDirectlyIsNotDialled() {
		DialOrder order = new DialOrder(relayLast(), Schedulers.parallel());
		order.device(DIRECT, "phone");
		order.device(RELAY, "phone");

		StepVerifier.create(round(order, true)).expectNext(DIRECT).expectComplete().verify(WAIT);

		assertThat(dialled).containsExactly(DIRECT);
		assertThat(order.skipped()).isEqualTo(1);
	}

	@Test
	void aDeviceToldAfterTheDialsStartedStillCounts() {
		DialOrder order = new DialOrder(relayLast(), Schedulers.parallel());

		Flux<PeerAddress> round = Flux.just(DIRECT, RELAY)
				.doOnNext(a -> order.device(a, "phone")) // as the resolution tells it, record by record
				.doOnComplete(order::complete)
				.flatMap(a -> order.dial(a, dial(a, true)));
		StepVerifier.create(round).expectNext(DIRECT).expectComplete().verify(WAIT);

		assertThat(dialled).containsExactly(DIRECT);
	}

	@Test
	void anotherDevicesRelayIsDialled() {
		DialOrder order = new DialOrder(relayLast(), Schedulers.parallel());
		order.device(DIRECT, "phone");
		order.device(RELAY, "laptop");

		StepVerifier.create(round(order, true)).expectNext(DIRECT, RELAY).expectComplete().verify(WAIT);

		assertThat(dialled).containsExactly(DIRECT, RELAY);
		assertThat(order.skipped()).isZero();
	}

	@Test
	void theRelayOfADeviceWhoseDirectDialFailedIsDialled() {
		DialOrder order = new DialOrder(relayLast(), Schedulers.parallel());
		order.device(DIRECT, "phone");
		order.device(RELAY, "phone");

		StepVerifier.create(round(order, false)).expectNext(RELAY).expectComplete().verify(WAIT);

		assertThat(dialled).containsExactly(DIRECT, RELAY);
	}

	@Test
	void aRelayOfAnUnknownDeviceIsDialled() {
		DialOrder order = new DialOrder(relayLast(), Schedulers.parallel());
		order.device(DIRECT, "phone");
		order.device(RELAY, ""); // the source did not say

		StepVerifier.create(round(order, true)).expectNext(DIRECT, RELAY).expectComplete().verify(WAIT);

		assertThat(dialled).containsExactly(DIRECT, RELAY);
	}

	/** One round as the engine races a contact's addresses: the relay listed first, the direct address second. */
	private Flux<PeerAddress> round(DialOrder order, boolean directAnswers) {
		return Flux.<PeerAddress>just(RELAY, DIRECT)
				.doOnComplete(order::complete)
				.flatMap(a -> order.dial(a, dial(a, directAnswers)));
	}

	/** @return a dial that records itself and answers with its address, or is empty (failed) for a dead direct one */
	private Mono<PeerAddress> dial(PeerAddress address, boolean directAnswers) {
		return Mono.defer(() -> {
			dialled.add(address);
			return address == DIRECT && !directAnswers ? Mono.<PeerAddress>empty() : Mono.just(address);
		});
	}

	/** @return a binding that delays relayed addresses by an hour (they go when no direct dial is left) */
	private static TransportBinding relayLast() {
		return (TransportBinding) Proxy.newProxyInstance(DialOrderTest.class.getClassLoader(),
				new Class<?>[] {TransportBinding.class}, (proxy, method, args) -> switch (method.getName()) {
					case "dialDelay" -> args[0] instanceof RelayedAddress ? Duration.ofHours(1) : Duration.ZERO;
					case "toString" -> "relay-last binding";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == args[0];
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}
}
