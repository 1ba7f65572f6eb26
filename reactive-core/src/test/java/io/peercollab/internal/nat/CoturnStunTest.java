// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.peercollab.internal.nat.NatBehaviour.Filtering;
import io.peercollab.internal.nat.NatBehaviour.Mapping;
import io.peercollab.internal.nat.NatBehaviourDiscovery.Rfc5780UnsupportedException;
import io.peercollab.internal.nat.StunClient.Retransmission;
import io.peercollab.internal.nat.StunMessage.ChangeRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The STUN client and RFC 5780 discovery against a real coturn on two TEST-NET-3 addresses on {@code lo}, with no NAT
 * in between: the server must see the client's own address, and the path must read as endpoint-independent both ways.
 * Skipped with the reason where coturn or the loopback-only namespace is missing, failed instead under
 * {@code PEERCOLLAB_CI} ({@link CoturnServer}).
 */
class CoturnStunTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** Loopback answers in well under a millisecond; this only keeps a lost datagram from failing the test. */
	private static final Retransmission LOOPBACK = new Retransmission(Duration.ofMillis(100), 4, 4);

	private static CoturnServer coturn;

	@RegisterExtension
	static final CoturnForClass COTURN = CoturnForClass.coturn(true, s -> coturn = s);

	private StunClient client;

	@BeforeEach
	void bindClient() {
		client = StunClient.bind(new InetSocketAddress(coturn.newClientAddress(), 0), LOOPBACK).block(WAIT);
	}

	@AfterEach
	void closeClient() {
		if (client != null) {
			client.close().block(WAIT);
		}
	}

	@Test
	void coturnSeesTheClientsOwnAddressWithNoNatBetween() {
		StepVerifier.create(client.mappedAddress(coturn.primary()))
				.expectNext(client.localAddress())
				.expectComplete()
				.verify(WAIT);
	}

	@Test
	void coturnAnnouncesItsOtherAddressAndAnswersFromItOnAChangeRequest() {
		StepVerifier.create(client.binding(coturn.primary(), ChangeRequest.NONE, LOOPBACK))
				.assertNext(r -> {
					assertThat(r.from()).isEqualTo(coturn.primary());
					assertThat(r.message().otherAddress()).contains(coturn.alternate());
					assertThat(r.message().address(StunMessage.RESPONSE_ORIGIN)).contains(coturn.primary());
				})
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(client.binding(coturn.primary(), new ChangeRequest(true, true), LOOPBACK))
				.assertNext(r -> assertThat(r.from()).isEqualTo(coturn.alternate()))
				.expectComplete()
				.verify(WAIT);
		StepVerifier.create(client.binding(coturn.primary(), new ChangeRequest(false, true), LOOPBACK))
				.assertNext(r -> assertThat(r.from()).isEqualTo(
						new InetSocketAddress(coturn.primary().getAddress(), coturn.alternate().getPort())))
				.expectComplete()
				.verify(WAIT);
	}

	@Test
	void discoveryFindsNoNatAndEndpointIndependentMappingAndFiltering() {
		long start = System.nanoTime();
		StepVerifier.create(NatBehaviourDiscovery.discover(client, coturn.primary(), LOOPBACK, LOOPBACK))
				.assertNext(behaviour -> {
					assertThat(behaviour.behindNat()).isFalse();
					assertThat(behaviour.mappedAddress()).isEqualTo(client.localAddress());
					assertThat(behaviour.localAddress()).isEqualTo(client.localAddress());
					assertThat(behaviour.mapping()).isEqualTo(Mapping.ENDPOINT_INDEPENDENT);
					assertThat(behaviour.filtering()).isEqualTo(Filtering.ENDPOINT_INDEPENDENT);
				})
				.expectComplete()
				.verify(WAIT);
		System.out.printf("coturn: RFC 5780 discovery (no NAT) took %.2f ms%n", (System.nanoTime() - start) / 1e6);
	}

	@Test
	void aClientOnTheWildcardAddressIsSeenAsNotBehindANat() {
		StunClient wildcard = StunClient.bind(new InetSocketAddress("0.0.0.0", 0), LOOPBACK).block(WAIT);
		try {
			StepVerifier.create(NatBehaviourDiscovery.discover(wildcard, coturn.primary(), LOOPBACK, LOOPBACK))
					.assertNext(behaviour -> {
						assertThat(behaviour.behindNat()).isFalse();
						assertThat(behaviour.mappedAddress().getPort()).isEqualTo(wildcard.localAddress().getPort());
						assertThat(behaviour.filtering()).isEqualTo(Filtering.ENDPOINT_INDEPENDENT);
					})
					.expectComplete()
					.verify(WAIT);
		}
		finally {
			wildcard.close().block(WAIT);
		}
	}

	@Test
	void aCoturnWithoutRfc5780FailsDiscoveryWithTheReason() {
		try (CoturnServer plain = CoturnServer.start(false)) {
			StepVerifier.create(client.mappedAddress(plain.primary()))
					.expectNext(client.localAddress())
					.expectComplete()
					.verify(WAIT);
			StepVerifier.create(NatBehaviourDiscovery.discover(client, plain.primary(), LOOPBACK, LOOPBACK))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(Rfc5780UnsupportedException.class)
							.hasMessageContaining("OTHER-ADDRESS"))
					.verify(WAIT);
		}
	}

	/** Measures the binding round trip: 20 warm-up requests, then 200 one after another. */
	@Test
	void measuresTheBindingRoundTrip() {
		Flux.range(0, 20).concatMap(i -> client.mappedAddress(coturn.primary())).blockLast(WAIT);
		List<Long> micros = Collections.synchronizedList(new ArrayList<>());
		Flux.range(0, 200)
				.concatMap(i -> {
					long start = System.nanoTime();
					return client.mappedAddress(coturn.primary())
							.doOnNext(a -> micros.add((System.nanoTime() - start) / 1_000));
				})
				.blockLast(Duration.ofSeconds(30));
		List<Long> sorted = new ArrayList<>(micros);
		Collections.sort(sorted);
		assertThat(sorted).hasSize(200);
		System.out.printf("coturn: binding round trip over lo, 200 sequential: median %d us, p90 %d us, p99 %d us, "
				+ "max %d us%n", sorted.get(100), sorted.get(180), sorted.get(198), sorted.get(199));
	}
}
