// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/**
 * {@link DhtClient} against a private 16-node network of mldht nodes ({@link DhtTestNetwork}): what it puts, mldht
 * reads, and what mldht puts, it reads. mldht refuses loopback addresses, so the client binds a TEST-NET-2 address;
 * skipped outside a loopback-only network namespace.
 */
@Tag("slow")
@Timeout(60)
class DhtClientNetworkTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@RegisterExtension
	static final DhtTestNetwork.PerClass DHT = new DhtTestNetwork.PerClass(16);

	private final List<DhtClient> clients = new ArrayList<>();

	@AfterEach
	void close() {
		for (DhtClient client : clients) {
			client.close().block(WAIT);
		}
	}

	private DhtClient client() {
		DhtClient client = DhtClient.bind(new DhtClient.Options(new InetSocketAddress(DHT.network().newAddress(), 0),
				DHT.network().bootstrap(), Duration.ofSeconds(1), Duration.ofSeconds(5), host -> {
					throw new AssertionError("no DNS lookup with explicit bootstrap addresses, was " + host);
				})).block(WAIT);
		clients.add(client);
		assertThat(client.bootstrap().block(WAIT)).isGreaterThanOrEqualTo(8);
		return client;
	}

	private static MutableItem item(KeyPair keys, long seq, String text) throws Exception {
		return MutableItem.sign(keys.getPrivate(), MutableItem.rawKey(keys.getPublic()), seq,
				text.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void whatTheClientPutsMldhtReads() throws Exception {
		DhtClient client = client();
		KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		MutableItem item = item(keys, MutableItem.nowMicros(), "put by our client");

		DhtClient.Tokens tokens = client.tokens(raw).block(WAIT);
		assertThat(tokens.holders()).hasSizeGreaterThanOrEqualTo(3);
		long stored = client.put(tokens, item).filter(DhtClient.PutOutcome::stored).count().block(WAIT);
		assertThat(stored).isGreaterThanOrEqualTo(3);

		MldhtNode reader = DHT.network().nodes().get(5);
		StepVerifier.create(reader.get(raw).next()).expectNext(item).expectComplete().verify(WAIT);

		// an update (the token of a reply that held the value) is stored too, and a stale one refused with 302
		MutableItem update = item(keys, item.seq() + 1, "updated");
		DhtClient.Tokens again = client.tokens(raw).block(WAIT);
		assertThat(again.highestSeq()).isEqualTo(item.seq());
		assertThat(client.put(again, update).filter(DhtClient.PutOutcome::stored).count().block(WAIT))
				.isGreaterThanOrEqualTo(3);
		List<DhtClient.PutOutcome> stale = client.put(again, item).collectList().block(WAIT);
		assertThat(stale).noneMatch(DhtClient.PutOutcome::stored)
				.anySatisfy(o -> assertThat(o.error()).isInstanceOfSatisfying(DhtClient.KrpcErrorException.class,
						e -> assertThat(e.code()).isEqualTo(302)));
	}

	@Test
	void aCompareAndSwapOverAReplacedItemIsRefusedWith301() throws Exception {
		DhtClient client = client();
		KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		MutableItem first = item(keys, MutableItem.nowMicros(), "first");
		assertThat(client.put(client.tokens(raw).block(WAIT), first).filter(DhtClient.PutOutcome::stored).count()
				.block(WAIT)).isGreaterThanOrEqualTo(3);

		// two writers read the same item; the first to swap it wins, the other's swap is refused
		DhtClient.Tokens read = client.tokens(raw).block(WAIT);
		assertThat(read.latest()).isEqualTo(first);
		MutableItem winner = item(keys, first.seq() + 1, "winner");
		assertThat(client.put(read, winner, first.seq()).filter(DhtClient.PutOutcome::stored).count().block(WAIT))
				.isGreaterThanOrEqualTo(3);
		List<DhtClient.PutOutcome> loser = client.put(read, item(keys, first.seq() + 2, "loser"), first.seq())
				.collectList().block(WAIT);
		assertThat(loser).anySatisfy(o -> assertThat(o.error()).isInstanceOfSatisfying(
				DhtClient.KrpcErrorException.class, e -> assertThat(e.code()).isEqualTo(301)));
		StepVerifier.create(DHT.network().nodes().get(3).get(raw).reduce((a, b) -> b.seq() > a.seq() ? b : a))
				.expectNext(winner).expectComplete().verify(WAIT);
	}

	@Test
	void whatMldhtPutsTheClientReads() throws Exception {
		DhtClient client = client();
		KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		MutableItem item = item(keys, MutableItem.nowMicros(), "put by mldht");

		MldhtNode writer = DHT.network().nodes().get(9);
		MldhtNode.Tokens tokens = writer.tokens(raw, Duration.ofMillis(200), WAIT).block(WAIT);
		assertThat(writer.put(tokens, item, 3, Duration.ofMillis(500), WAIT).block(WAIT)).isPositive();

		long started = System.nanoTime();
		StepVerifier.create(client.get(raw).next()).expectNext(item).expectComplete().verify(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

		KeyPair nobody = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		started = System.nanoTime();
		StepVerifier.create(client.get(MutableItem.rawKey(nobody.getPublic()))).expectComplete().verify(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
	}

	/**
	 * With explicit bootstrap addresses, the client looks up no name and sends nothing to anyone but the network's
	 * nodes: what it attempted, as its socket's pipeline saw each datagram and its resolver each name (the namespace
	 * has no route out, so a stray datagram would fail without a trace outside the client).
	 */
	@Test
	void sendsToNoneButTheConfiguredNetworkAndLooksUpNoName() throws Exception {
		AtomicInteger lookedUp = new AtomicInteger();
		DhtClient client = DhtClient.bind(new DhtClient.Options(new InetSocketAddress(DHT.network().newAddress(), 0),
				DHT.network().bootstrap(), Duration.ofSeconds(1), Duration.ofSeconds(5), host -> {
					lookedUp.incrementAndGet();
					throw new java.net.UnknownHostException(host);
				})).block(WAIT);
		clients.add(client);
		Set<InetSocketAddress> sentTo = ConcurrentHashMap.newKeySet();
		client.channel().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
			@Override
			public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
				if (msg instanceof DatagramPacket datagram) {
					sentTo.add(datagram.recipient());
				}
				super.write(ctx, msg, promise);
			}
		});
		KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		byte[] raw = MutableItem.rawKey(keys.getPublic());

		client.bootstrap().block(WAIT);
		DhtClient.Tokens tokens = client.tokens(raw).block(WAIT);
		client.put(tokens, item(keys, MutableItem.nowMicros(), "watched")).then().block(WAIT);
		client.get(raw).then().block(WAIT);

		assertThat(sentTo).isNotEmpty().isSubsetOf(DHT.network().bootstrap());
		assertThat(lookedUp).hasValue(0);
	}
}
