// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.peercollab.InvalidRequestException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerUnreachableException;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.StepVerifier;

/**
 * A TURN server that answers badly, on 127.0.0.1: each malformed answer fails the allocation with a typed error that
 * names the field and the limit, and nothing hangs.
 */
class TurnClientBadServerTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final TurnCredentials CREDENTIALS = TurnCredentials.longTerm("u", "p");

	@Test
	void aChallengeWithoutANonceNamesTheNonce() throws IOException {
		try (FakeServer server = new FakeServer(request -> {
			Map<Integer, Object> attributes = new LinkedHashMap<>();
			attributes.put(StunMessage.ERROR_CODE, new StunMessage.ErrorCode(401, "Unauthorized"));
			attributes.put(StunMessage.REALM, "r");
			return new StunMessage(StunMessage.error(StunMessage.ALLOCATE), request.transactionId(), attributes)
					.encode(false);
		})) {
			StepVerifier.create(allocate(server))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidRequestException.class)
							.hasMessageContaining("NONCE"))
					.verify(WAIT);
		}
	}

	@Test
	void anAllocationWithoutARelayedAddressNamesIt() throws IOException {
		try (FakeServer server = new FakeServer(request -> new StunMessage(StunMessage.success(StunMessage.ALLOCATE),
				request.transactionId(), Map.of(StunMessage.LIFETIME, 600)).encode(false))) {
			StepVerifier.create(allocate(server))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidRequestException.class)
							.hasMessageContaining("XOR-RELAYED-ADDRESS"))
					.verify(WAIT);
		}
	}

	@Test
	void anOversizedMessageNamesTheLimit() throws IOException {
		try (FakeServer server = new FakeServer(request -> {
			ByteBuffer b = ByteBuffer.allocate(StunMessage.HEADER_SIZE + 2000);
			b.putShort((short) StunMessage.success(StunMessage.ALLOCATE)).putShort((short) 2000)
					.putInt(StunMessage.MAGIC_COOKIE).put(request.transactionId());
			return b.array();
		})) {
			StepVerifier.create(allocate(server))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PayloadTooLargeException.class)
							.hasMessageContaining(Integer.toString(StunMessage.MAX_SIZE)))
					.verify(WAIT);
		}
	}

	@Test
	void aServerThatNeverAnswersTimesOut() throws IOException {
		try (FakeServer server = new FakeServer(request -> new byte[0])) {
			StepVerifier.create(TurnClient.allocate(server.address(), CREDENTIALS, Duration.ofMillis(300),
					(data, peer) -> data.dispose(), Schedulers.parallel()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
							.hasMessageContaining("did not answer Allocate within 300 ms"))
					.verify(WAIT);
		}
	}

	@Test
	void refreshesHalfwayThroughAShortLifetimeAndAMinuteBeforeTheEndOfALongOne() {
		assertThat(TurnClient.refreshDelay(Duration.ofSeconds(600))).isEqualTo(Duration.ofSeconds(540));
		assertThat(TurnClient.refreshDelay(Duration.ofSeconds(100))).isEqualTo(Duration.ofSeconds(50));
		assertThat(TurnClient.refreshDelay(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void refreshesBeforeTheLifetimeLapsesOnVirtualTime() throws IOException {
		AtomicInteger refreshes = new AtomicInteger();
		try (FakeServer server = new FakeServer(request -> {
			Map<Integer, Object> attributes = new LinkedHashMap<>();
			if (request.type() == StunMessage.ALLOCATE) {
				attributes.put(StunMessage.XOR_RELAYED_ADDRESS, new InetSocketAddress(InetAddress.getLoopbackAddress(),
						40000));
			}
			else {
				refreshes.incrementAndGet();
			}
			attributes.put(StunMessage.LIFETIME, 600);
			return new StunMessage(StunMessage.success(request.type()), request.transactionId(), attributes)
					.encode(false);
		})) {
			VirtualTimeScheduler time = VirtualTimeScheduler.create();
			TurnClient client = TurnClient.allocate(server.address(), CREDENTIALS, WAIT, (data, peer) -> data.dispose(),
					time).block(WAIT);
			time.advanceTimeBy(Duration.ofSeconds(539));
			assertThat(client.refreshes()).isZero();
			time.advanceTimeBy(Duration.ofSeconds(1));
			awaitTrue(() -> client.refreshes() == 1);
			time.advanceTimeBy(Duration.ofSeconds(540));
			awaitTrue(() -> client.refreshes() == 2);
			assertThat(refreshes.get()).isEqualTo(2);
			assertThat(client.isClosed()).isFalse();
			client.dispose();
		}
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition) {
		reactor.core.publisher.Mono.fromCallable(condition::getAsBoolean)
				.filter(Boolean::booleanValue)
				.repeatWhenEmpty(r -> r.delayElements(Duration.ofMillis(10)))
				.timeout(WAIT)
				.block();
	}

	private static reactor.core.publisher.Mono<TurnClient> allocate(FakeServer server) {
		return TurnClient.allocate(server.address(), CREDENTIALS, WAIT, (data, peer) -> data.dispose(),
				Schedulers.parallel());
	}

	/** Reads STUN requests on one TCP connection and answers each with what {@code answer} makes of it. */
	private static final class FakeServer implements AutoCloseable {

		private final ServerSocket socket;

		FakeServer(Function<StunMessage, byte[]> answer) throws IOException {
			socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
			Thread t = new Thread(() -> {
				try (Socket s = socket.accept()) {
					DataInputStream in = new DataInputStream(s.getInputStream());
					OutputStream out = s.getOutputStream();
					while (true) {
						byte[] header = new byte[StunMessage.HEADER_SIZE];
						in.readFully(header);
						int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
						byte[] message = new byte[StunMessage.HEADER_SIZE + length];
						System.arraycopy(header, 0, message, 0, header.length);
						in.readFully(message, StunMessage.HEADER_SIZE, length);
						out.write(answer.apply(StunMessage.decode(ByteBuffer.wrap(message))));
						out.flush();
					}
				}
				catch (IOException | RuntimeException e) {
					// the client closed, or the test ended
				}
			}, "fake-turn");
			t.setDaemon(true);
			t.start();
		}

		InetSocketAddress address() {
			return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
		}

		@Override
		public void close() throws IOException {
			socket.close();
		}
	}
}
