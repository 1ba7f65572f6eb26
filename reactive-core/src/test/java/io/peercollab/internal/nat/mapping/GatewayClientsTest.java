// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import io.peercollab.IpLiterals;
import io.peercollab.PeerUnreachableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * {@link PcpClient} and {@link NatPmpClient} against a fake gateway on loopback that answers as each test scripts:
 * the exchanges, retransmission, and answers that are not ours, malformed, or refusals.
 */
class GatewayClientsTest {

	private static final Retransmission FAST = new Retransmission(Duration.ofMillis(100), 4, Duration.ofSeconds(1), 0);

	private FakeGateway fake;

	@AfterEach
	void stop() {
		if (fake != null) {
			fake.close();
		}
	}

	@Test
	void pcpMapsRenewsWithTheSameNonceAndDeletesWithLifetimeZero() throws Exception {
		fake = new FakeGateway(request -> pcpAnswer(request, 0, 3600, 40000, false));
		PcpClient client = PcpClient.connect(fake.address(), FAST, Schedulers.parallel()).block(Duration.ofSeconds(5));
		try {
			StepVerifier.create(client.map(7000, 7000, Duration.ofHours(2)))
					.assertNext(m -> {
						assertThat(m.protocol()).isEqualTo("PCP");
						assertThat(m.external()).isEqualTo(new InetSocketAddress(IpLiterals.parseAddress("203.0.113.10"),
								40000));
						assertThat(m.internal()).isEqualTo(new InetSocketAddress(IpLiterals.parseAddress("127.0.0.1"),
								7000));
						assertThat(m.lifetime()).isEqualTo(Duration.ofHours(1));
					})
					.verifyComplete();
			StepVerifier.create(client.map(7000, 40000, Duration.ofHours(2))).expectNextCount(1).verifyComplete();
			StepVerifier.create(client.unmap(new PortMapping("PCP", new InetSocketAddress(7000),
					new InetSocketAddress(40000), Duration.ofHours(1)))).verifyComplete();

			List<byte[]> requests = fake.requests();
			assertThat(requests).hasSize(3);
			assertThat(Arrays.copyOfRange(requests.get(1), 24, 36)).as("nonce")
					.isEqualTo(Arrays.copyOfRange(requests.get(0), 24, 36));
			assertThat(Arrays.copyOfRange(requests.get(2), 24, 36)).isEqualTo(Arrays.copyOfRange(requests.get(0), 24, 36));
			assertThat(ByteBuffer.wrap(requests.get(1)).getShort(42) & 0xFFFF).as("suggested port").isEqualTo(40000);
			assertThat(ByteBuffer.wrap(requests.get(2)).getInt(4)).as("deletion's lifetime").isZero();
			assertThat(Arrays.copyOfRange(requests.get(0), 8, 24)).as("client address")
					.isEqualTo(PcpMessages.address16(IpLiterals.parseAddress("127.0.0.1")));
		}
		finally {
			client.close().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void anAnswerWithAnotherNonceIsNotOursAndTheRequestIsRetransmitted() throws Exception {
		fake = new FakeGateway(request -> pcpAnswer(request, 0, 3600, 40000, true)); // always the wrong nonce
		PcpClient client = PcpClient.connect(fake.address(), FAST, Schedulers.parallel()).block(Duration.ofSeconds(5));
		try {
			StepVerifier.create(client.map(7000, 7000, Duration.ofHours(2)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
							.hasMessageContaining("did not answer 4 transmissions"))
					.verify(Duration.ofSeconds(10));
			assertThat(fake.requests()).hasSize(4).allSatisfy(r -> assertThat(r).isEqualTo(fake.requests().get(0)));
		}
		finally {
			client.close().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void aRefusalAndAMalformedAnswerFailTheRequestWithTypedErrors() throws Exception {
		fake = new FakeGateway(request -> pcpAnswer(request, 2, 0, 0, false));
		PcpClient client = PcpClient.connect(fake.address(), FAST, Schedulers.parallel()).block(Duration.ofSeconds(5));
		try {
			StepVerifier.create(client.map(7000, 7000, Duration.ofHours(2)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(GatewayRefusedException.class,
							r -> assertThat(r.code()).isEqualTo(2)).hasMessageContaining("NOT_AUTHORIZED"))
					.verify(Duration.ofSeconds(5));
		}
		finally {
			client.close().block(Duration.ofSeconds(5));
		}
		fake.close();
		fake = new FakeGateway(request -> new byte[] {2, (byte) 0x81, 0, 0, 0, 0});
		PcpClient second = PcpClient.connect(fake.address(), FAST, Schedulers.parallel()).block(Duration.ofSeconds(5));
		try {
			StepVerifier.create(second.map(7000, 7000, Duration.ofHours(2)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(GatewayFormatException.class,
							f -> assertThat(f.field()).isEqualTo("length")))
					.verify(Duration.ofSeconds(5));
		}
		finally {
			second.close().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void withNoServerOnThePortTheRequestFailsAtOnceNotAfterEveryRetransmission() throws Exception {
		InetSocketAddress closed;
		try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
			closed = (InetSocketAddress) s.getLocalSocketAddress();
		}
		Retransmission slow = new Retransmission(Duration.ofSeconds(3), 3, Duration.ofSeconds(10), 0);
		PcpClient client = PcpClient.connect(closed, slow, Schedulers.parallel()).block(Duration.ofSeconds(5));
		try {
			long start = System.nanoTime();
			StepVerifier.create(client.map(7000, 7000, Duration.ofHours(2)))
					.expectError(PeerUnreachableException.class)
					.verify(Duration.ofSeconds(15));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("before the 21 s of the schedule")
					.isLessThan(Duration.ofSeconds(3));
		}
		finally {
			client.close().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void natPmpAsksTheExternalAddressThenMapsAndDeletes() throws Exception {
		fake = new FakeGateway(request -> {
			if (request.length == 2) {
				return ByteBuffer.allocate(12).putShort((short) 0x0080).putShort((short) 0).putInt(99)
						.put(IpLiterals.parseAddress("203.0.113.10").getAddress()).array();
			}
			ByteBuffer r = ByteBuffer.wrap(request);
			int internal = r.getShort(4) & 0xFFFF;
			long lifetime = r.getInt(8) & 0xFFFF_FFFFL;
			return ByteBuffer.allocate(16).putShort((short) 0x0082).putShort((short) 0).putInt(99)
					.putShort((short) internal).putShort((short) (lifetime == 0 ? 0 : 40001))
					.putInt((int) Math.min(lifetime, 3600)).array();
		});
		NatPmpClient client = NatPmpClient.connect(fake.address(), FAST, Schedulers.parallel())
				.block(Duration.ofSeconds(5));
		try {
			PortMapping mapping = client.map(7000, 7000, Duration.ofHours(2)).block(Duration.ofSeconds(5));
			assertThat(mapping.external()).isEqualTo(new InetSocketAddress(IpLiterals.parseAddress("203.0.113.10"),
					40001));
			assertThat(mapping.lifetime()).isEqualTo(Duration.ofHours(1));
			StepVerifier.create(client.unmap(mapping)).verifyComplete();
			assertThat(fake.requests()).extracting(r -> r.length).containsExactly(2, 12, 12);
			assertThat(fake.requests().get(2)).isEqualTo(NatPmpMessages.mapTcpRequest(7000, 0, 0));
		}
		finally {
			client.close().block(Duration.ofSeconds(5));
		}
	}

	private static byte[] pcpAnswer(byte[] request, int result, long lifetime, int externalPort, boolean wrongNonce) {
		ByteBuffer q = ByteBuffer.wrap(request);
		ByteBuffer b = ByteBuffer.allocate(60);
		b.put((byte) 2).put((byte) 0x81).put((byte) 0).put((byte) result).putInt((int) lifetime).putInt(5)
				.put(new byte[12]);
		byte[] nonce = Arrays.copyOfRange(request, 24, 36);
		if (wrongNonce) {
			nonce[0] ^= 1;
		}
		b.put(nonce).put((byte) 6).put(new byte[3]).putShort(q.getShort(40)).putShort((short) externalPort)
				.put(PcpMessages.address16(IpLiterals.parseAddress("203.0.113.10")));
		return b.array();
	}

	/** A UDP server on 127.0.0.1 answering each request with what {@code answer} makes of it (null: silence). */
	private static final class FakeGateway implements AutoCloseable {

		private final DatagramSocket socket;

		private final List<byte[]> requests = new CopyOnWriteArrayList<>();

		private final Thread thread;

		FakeGateway(Function<byte[], byte[]> answer) throws IOException {
			socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			socket.setSoTimeout(100);
			thread = new Thread(() -> {
				byte[] buffer = new byte[2048];
				while (!socket.isClosed()) {
					DatagramPacket p = new DatagramPacket(buffer, buffer.length);
					try {
						socket.receive(p);
					}
					catch (SocketTimeoutException e) {
						continue;
					}
					catch (IOException e) {
						return;
					}
					byte[] request = Arrays.copyOf(p.getData(), p.getLength());
					requests.add(request);
					byte[] reply = answer.apply(request);
					if (reply != null) {
						try {
							socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
						}
						catch (IOException e) {
							return;
						}
					}
				}
			}, "fake-gateway");
			thread.setDaemon(true);
			thread.start();
		}

		InetSocketAddress address() {
			return (InetSocketAddress) socket.getLocalSocketAddress();
		}

		List<byte[]> requests() {
			return requests;
		}

		@Override
		public void close() {
			socket.close();
		}
	}
}
