// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.peercollab.internal.nat.NatBehaviourDiscovery.Rfc5780UnsupportedException;
import io.peercollab.internal.nat.StunClient.Retransmission;
import io.peercollab.internal.nat.StunClient.StunErrorResponseException;
import io.peercollab.internal.nat.StunClient.StunTimeoutException;
import io.peercollab.internal.nat.StunMessage.ChangeRequest;
import io.peercollab.internal.nat.StunMessage.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The binding client against a scripted server on 127.0.0.1: answers, retransmissions, timeouts, strangers. */
class StunClientTest {

	/** Short timers: sends at 0, 40, 120 ms, fails at 200 ms. */
	private static final Retransmission FAST = new Retransmission(Duration.ofMillis(40), 3, 2);

	private static final Duration WAIT = Duration.ofSeconds(5);

	private StunClient client;

	@BeforeEach
	void bind() {
		client = StunClient.bind(new InetSocketAddress("127.0.0.1", 0), FAST).block(WAIT);
	}

	@AfterEach
	void close() {
		client.close().block(WAIT);
	}

	@Test
	void returnsTheAddressTheServerSawTheRequestComeFrom() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) ->
				List.of(FakeStunServer.success(request, from)))) {
			StepVerifier.create(client.mappedAddress(server.address()))
					.expectNext(client.localAddress())
					.expectComplete()
					.verify(WAIT);
			assertThat(server.received()).hasSize(1);
		}
	}

	@Test
	void retransmitsTheSameRequestWithADoublingTimeoutUntilAnswered() throws Exception {
		Retransmission slow = new Retransmission(Duration.ofMillis(100), 4, 2);
		try (FakeStunServer server = new FakeStunServer((i, from, request) ->
				i < 2 ? List.of() : List.of(FakeStunServer.success(request, from)))) {
			StepVerifier.create(client.binding(server.address(), ChangeRequest.NONE, slow))
					.assertNext(response -> assertThat(response.from()).isEqualTo(server.address()))
					.expectComplete()
					.verify(WAIT);

			List<FakeStunServer.Received> got = server.received();
			assertThat(got).hasSize(3);
			assertThat(got).extracting(r -> r.request().transactionKey()).containsOnly(got.get(0).request()
					.transactionKey());
			// the schedule itself (each wait doubled) is checked on virtual time, where a loaded machine cannot move
			// it: here, measured at the server, the first datagram may leave late and shorten the first gap (seen in
			// CI: 94 ms for a 100 ms timer)
			assertThat(got.get(2).nanos()).isGreaterThan(got.get(1).nanos()).isGreaterThan(got.get(0).nanos());
		}
	}

	@Test
	void failsWithATimeoutAfterTheLastTransmissionsWait() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> List.of())) {
			long start = System.nanoTime();
			StepVerifier.create(client.mappedAddress(server.address()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StunTimeoutException.class)
							.hasMessageContaining(io.peercollab.IpLiterals.toString(server.address()))
							.hasMessageContaining("3 transmissions"))
					.verify(WAIT);
			long tookMillis = (System.nanoTime() - start) / 1_000_000;

			assertThat(FAST.timeout()).isEqualTo(Duration.ofMillis(200));
			// never before its timeout; how much later depends on the machine's load, which a test cannot bound
			assertThat(tookMillis).isGreaterThanOrEqualTo(190L);
			assertThat(server.received()).hasSize(3);
		}
	}

	@Test
	void theRfc5389DefaultsSendSevenTimesAndGiveUpAfter39AndAHalfSeconds() throws Exception {
		assertThat(Retransmission.RFC_5389.timeout()).isEqualTo(Duration.ofMillis(39_500));
		VirtualTimeScheduler virtualTime = VirtualTimeScheduler.create();
		StunClient virtual = StunClient.bind(new InetSocketAddress("127.0.0.1", 0), Retransmission.RFC_5389,
				virtualTime).block(WAIT);
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> List.of())) {
			// the timers run on virtual time, advanced here; the datagrams and the signals travel in real time
			StepVerifier.create(virtual.mappedAddress(server.address()))
					.expectSubscription()
					// sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s, then 16 RTOs (8 s) of waiting
					.then(() -> virtualTime.advanceTimeBy(Duration.ofMillis(39_499)))
					.expectNoEvent(Duration.ofMillis(50))
					.then(() -> virtualTime.advanceTimeBy(Duration.ofMillis(1)))
					.expectError(StunTimeoutException.class)
					.verify(WAIT);
			// wait (at most 5 s) until the seventh datagram is in
			reactor.core.publisher.Flux.interval(Duration.ofMillis(10))
					.filter(tick -> server.received().size() >= 7)
					.next()
					.block(WAIT);
			assertThat(server.received()).hasSize(7);
		}
		finally {
			virtual.close().block(WAIT);
		}
	}

	@Test
	void anErrorResponseFailsWithItsCode() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> List.of(
				new StunMessage(StunMessage.BINDING_ERROR, request.transactionId(),
						Map.of(StunMessage.ERROR_CODE, new ErrorCode(420, "Unknown Attribute"))).encode(true)))) {
			StepVerifier.create(client.mappedAddress(server.address()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(StunErrorResponseException.class,
							s -> assertThat(s.code()).isEqualTo(420)).hasMessageContaining("420 Unknown Attribute"))
					.verify(WAIT);
		}
	}

	@Test
	void strangersDatagramsAreDroppedAndCountedAndTheRealAnswerStillCounts() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> {
			byte[] good = FakeStunServer.success(request, from);
			byte[] badFingerprint = good.clone();
			badFingerprint[good.length - 1] ^= 1;
			byte[] otherTransaction = FakeStunServer.success(StunMessage.bindingRequest(ChangeRequest.NONE), from);
			byte[] request2 = StunMessage.bindingRequest(ChangeRequest.NONE).encode(false);
			return List.of(new byte[] {1, 2, 3}, new byte[StunMessage.MAX_SIZE + 100], badFingerprint,
					otherTransaction, request2, good);
		})) {
			StepVerifier.create(client.mappedAddress(server.address()))
					.expectNext(client.localAddress())
					.expectComplete()
					.verify(WAIT);
			assertThat(client.dropped()).isEqualTo(5);
		}
	}

	@Test
	void aSuccessResponseWithoutAMappedAddressFailsNamingTheAttribute() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> List.of(
				new StunMessage(StunMessage.BINDING_SUCCESS, request.transactionId(), Map.of()).encode(true)))) {
			StepVerifier.create(client.mappedAddress(server.address()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StunFormatException.class)
							.hasMessageContaining("XOR-MAPPED-ADDRESS"))
					.verify(WAIT);
		}
	}

	@Test
	void cancellingStopsTheRetransmissions() throws Exception {
		Retransmission slow = new Retransmission(Duration.ofMillis(100), 5, 2);
		try (FakeStunServer server = new FakeStunServer((i, from, request) -> List.of())) {
			StepVerifier.create(client.binding(server.address(), ChangeRequest.NONE, slow))
					.expectSubscription()
					.expectNoEvent(Duration.ofMillis(150)) // sent at 0 and 100 ms
					.thenCancel()
					.verify(WAIT);
			// nothing more after the cancel: a further transmission would have come at 300 ms
			StepVerifier.create(reactor.core.publisher.Mono.delay(Duration.ofMillis(400)))
					.expectNextCount(1).expectComplete().verify(WAIT);
			assertThat(server.received()).hasSize(2);
		}
	}

	@Test
	void aServerWithoutOtherAddressDoesNotSupportBehaviourDiscovery() throws Exception {
		try (FakeStunServer server = new FakeStunServer((i, from, request) ->
				List.of(FakeStunServer.success(request, from)))) {
			StepVerifier.create(NatBehaviourDiscovery.discover(client, server.address(), FAST, FAST))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(Rfc5780UnsupportedException.class)
							.hasMessageContaining("no OTHER-ADDRESS"))
					.verify(WAIT);
		}
	}

	@Test
	void aClosedClientFailsRequests() {
		client.close().block(WAIT);

		StepVerifier.create(client.mappedAddress(new InetSocketAddress("127.0.0.1", 9)))
				.expectError(IllegalStateException.class)
				.verify(WAIT);
	}
}
