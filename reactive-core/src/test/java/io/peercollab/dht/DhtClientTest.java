// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link DhtClient} against fake KRPC nodes on 127.0.0.1. */
@Timeout(30)
class DhtClientTest {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final List<AutoCloseable> nodes = new ArrayList<>();

	private final List<DhtClient> clients = new ArrayList<>();

	private final List<String> resolved = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeAll() throws Exception {
		for (DhtClient client : clients) {
			client.close().block(WAIT);
		}
		for (AutoCloseable node : nodes) {
			node.close();
		}
	}

	private FakeKrpcNode node(boolean answering) throws Exception {
		FakeKrpcNode node = answering ? FakeKrpcNode.answering() : FakeKrpcNode.silent();
		nodes.add(node);
		return node;
	}

	private DhtClient client(List<InetSocketAddress> bootstrap, Duration requestTimeout, Duration lookupTimeout) {
		return client(InetAddress.getLoopbackAddress(), bootstrap, requestTimeout, lookupTimeout);
	}

	private DhtClient client(InetAddress bind, List<InetSocketAddress> bootstrap, Duration requestTimeout,
			Duration lookupTimeout) {
		DhtClient.Options options = new DhtClient.Options(new InetSocketAddress(bind, 0),
				bootstrap, requestTimeout, lookupTimeout, host -> {
					resolved.add(host);
					if (host.equals("fake-router.invalid")) {
						return new InetAddress[] {InetAddress.getLoopbackAddress()};
					}
					throw new UnknownHostException(host);
				});
		DhtClient client = DhtClient.bind(options).block(WAIT);
		clients.add(client);
		return client;
	}

	private static KeyPair keys() throws Exception {
		return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
	}

	private static MutableItem item(KeyPair keys, long seq, String text) throws Exception {
		return MutableItem.sign(keys.getPrivate(), MutableItem.rawKey(keys.getPublic()), seq,
				text.getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void aPutAfterAGetSucceedsAgainstANodeThatOmitsNodesWithTheValue() throws Exception {
		FakeKrpcNode node = node(true);
		DhtClient client = client(List.of(node.address()), Duration.ofSeconds(1), WAIT);
		assertThat(client.bootstrap().block(WAIT)).isEqualTo(1);
		KeyPair keys = keys();
		byte[] raw = MutableItem.rawKey(keys.getPublic());

		MutableItem first = item(keys, 1, "first");
		DhtClient.Tokens tokens = client.tokens(raw).block(WAIT);
		assertThat(tokens.holders()).hasSize(1);
		assertThat(tokens.highestSeq()).isEqualTo(-1);
		assertThat(client.put(tokens, first).collectList().block(WAIT))
				.singleElement().satisfies(o -> assertThat(o.stored()).isTrue());
		StepVerifier.create(client.get(raw)).expectNext(first).expectComplete().verify(WAIT);

		// the node now answers get with v and no nodes: its token must still be kept
		DhtClient.Tokens again = client.tokens(raw).block(WAIT);
		assertThat(again.holders()).hasSize(1);
		assertThat(again.highestSeq()).isEqualTo(1);
		MutableItem second = item(keys, 2, "second");
		assertThat(client.put(again, second).collectList().block(WAIT))
				.singleElement().satisfies(o -> assertThat(o.stored()).isTrue());
		assertThat(node.stored(raw)).isEqualTo(second);
		StepVerifier.create(client.get(raw)).expectNext(second).expectComplete().verify(WAIT);
		assertThat(node.queries()).allMatch(q -> List.of("ping", "find_node", "get", "put").contains(q));
	}

	@Test
	void aNodesRefusalArrivesTypedWithItsCode() throws Exception {
		FakeKrpcNode node = node(true);
		DhtClient client = client(List.of(node.address()), Duration.ofSeconds(1), WAIT);
		KeyPair keys = keys();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		node.store(item(keys, 10, "newer"));

		DhtClient.Tokens tokens = client.tokens(raw).block(WAIT);
		assertThat(tokens.highestSeq()).isEqualTo(10);
		DhtClient.PutOutcome stale = client.put(tokens, item(keys, 9, "older")).blockFirst(WAIT);
		assertThat(stale.stored()).isFalse();
		assertThat(stale.error()).isInstanceOfSatisfying(DhtClient.KrpcErrorException.class,
				e -> assertThat(e.code()).isEqualTo(302));

		MutableItem good = item(keys, 11, "forged");
		MutableItem forged = new MutableItem(good.publicKey(), good.seq(), good.value(), item(keys, 12, "x").signature());
		DhtClient.PutOutcome bad = client.put(tokens, forged).blockFirst(WAIT);
		assertThat(bad.error()).isInstanceOfSatisfying(DhtClient.KrpcErrorException.class,
				e -> assertThat(e.code()).isEqualTo(206));
	}

	@Test
	void anItemWithABadSignatureOrAnotherKeyIsNotEmitted() throws Exception {
		FakeKrpcNode forging = node(true);
		KeyPair keys = keys();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		MutableItem good = item(keys, 5, "good");
		forging.store(new MutableItem(raw, 6, good.value(), good.signature()));
		DhtClient client = client(List.of(forging.address()), Duration.ofSeconds(1), WAIT);

		StepVerifier.create(client.get(raw)).expectComplete().verify(WAIT);
		assertThat(client.rejectedItems()).isEqualTo(1);
	}

	@Test
	void aLookupFollowsTheNodesNamedAndKeepsEveryToken() throws Exception {
		FakeKrpcNode entry = node(true);
		FakeKrpcNode holder = node(true);
		FakeKrpcNode other = node(true);
		entry.neighbours(List.of(holder.node(), other.node()));
		KeyPair keys = keys();
		byte[] raw = MutableItem.rawKey(keys.getPublic());
		MutableItem stored = item(keys, 3, "held by one node");
		holder.store(stored);
		DhtClient client = client(List.of(entry.address()), Duration.ofSeconds(1), WAIT);

		StepVerifier.create(client.get(raw)).expectNext(stored).expectComplete().verify(WAIT);
		DhtClient.Tokens tokens = client.tokens(raw).block(WAIT);
		assertThat(tokens.holders()).extracting(r -> r.node().address())
				.containsExactlyInAnyOrder(entry.address(), holder.address(), other.address());
		assertThat(tokens.highestSeq()).isEqualTo(3);
		assertThat(client.put(tokens, item(keys, 4, "now everywhere")).filter(DhtClient.PutOutcome::stored)
				.count().block(WAIT)).isEqualTo(3);
	}

	/** The tests run with {@code java.net.preferIPv4Stack}: IPv6 is checked on the node strings alone. */
	@Test
	void compactNodeStringsOfBothFamiliesRoundTrip() throws Exception {
		byte[] id = new byte[20];
		id[19] = 7;
		RoutingTable.Node v4 = new RoutingTable.Node(id, new InetSocketAddress(
				InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 9}), 6881));
		RoutingTable.Node v6 = new RoutingTable.Node(id, new InetSocketAddress(InetAddress.getByAddress(
				new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}), 65535));
		assertThat(DhtClient.compact(List.of(v4))).hasSize(26);
		assertThat(DhtClient.compact(List.of(v6))).hasSize(38);
		assertThat(DhtClient.compactNodes(DhtClient.compact(List.of(v4, v4)), false)).containsExactly(v4, v4);
		assertThat(DhtClient.compactNodes(DhtClient.compact(List.of(v6)), true)).containsExactly(v6);
		// a trailing partial entry is ignored, and at most MAX_NODES_PER_REPLY are read
		byte[] partial = java.util.Arrays.copyOf(DhtClient.compact(List.of(v4)), 40);
		assertThat(DhtClient.compactNodes(partial, false)).containsExactly(v4);
		List<RoutingTable.Node> many = java.util.Collections.nCopies(DhtClient.MAX_NODES_PER_REPLY + 5, v4);
		assertThat(DhtClient.compactNodes(DhtClient.compact(many), false)).hasSize(DhtClient.MAX_NODES_PER_REPLY);
	}

	@Test
	void aLookupOfNodesThatNeverAnswerEndsWithinItsBound() throws Exception {
		FakeKrpcNode silent = node(false);
		DhtClient client = client(List.of(silent.address()), Duration.ofMillis(300), Duration.ofSeconds(10));
		byte[] raw = MutableItem.rawKey(keys().getPublic());

		long started = System.nanoTime();
		StepVerifier.create(client.get(raw)).expectComplete().verify(Duration.ofSeconds(2));
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
		assertThat(silent.queries()).contains("get");

		// a lookup whose nodes keep it busy ends at the lookup timeout
		DhtClient bounded = client(List.of(silent.address()), Duration.ofSeconds(20), Duration.ofMillis(500));
		StepVerifier.create(bounded.get(raw)).expectComplete().verify(Duration.ofSeconds(2));
	}

	@Test
	void aTokenLookupWithAQuietPeriodDoesNotWaitForANodeThatNeverAnswers() throws Exception {
		FakeKrpcNode entry = node(true);
		FakeKrpcNode silent = node(false);
		entry.neighbours(List.of(silent.node()));
		DhtClient client = client(List.of(entry.address()), Duration.ofSeconds(10), Duration.ofSeconds(20));
		byte[] raw = MutableItem.rawKey(keys().getPublic());

		long started = System.nanoTime();
		DhtClient.Tokens tokens = client.tokens(raw, Duration.ofMillis(200)).block(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
		assertThat(tokens.holders()).extracting(r -> r.node().address()).containsExactly(entry.address());
		assertThat(silent.queries()).containsExactly("get");
	}

	@Test
	void closeEndsEveryLookupInFlightWithAnErrorAndFreesTheSocket() throws Exception {
		FakeKrpcNode silent = node(false);
		DhtClient client = client(List.of(silent.address()), Duration.ofSeconds(20), Duration.ofSeconds(20));
		InetSocketAddress bound = client.localAddress();
		byte[] raw = MutableItem.rawKey(keys().getPublic());

		StepVerifier.create(client.get(raw))
				.then(() -> Flux.interval(Duration.ofMillis(5)).filter(t -> !silent.queries().isEmpty()).blockFirst(WAIT))
				.then(() -> client.close().block(WAIT))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("closed"))
				.verify(WAIT);
		try (java.net.DatagramSocket again = new java.net.DatagramSocket(bound)) {
			assertThat(again.getLocalPort()).isEqualTo(bound.getPort());
		}
		StepVerifier.create(client.get(raw)).expectError(IllegalStateException.class).verify(WAIT);
	}

	@Test
	void malformedDatagramsAreDroppedAndCountedAndTheClientGoesOn() throws Exception {
		FakeKrpcNode node = node(true);
		DhtClient client = client(List.of(node.address()), Duration.ofSeconds(1), WAIT);
		client.bootstrap().block(WAIT);
		long before = client.dropped();
		node.sendRaw(client.localAddress(), "d1:t".getBytes(StandardCharsets.US_ASCII));
		node.sendRaw(client.localAddress(), "not bencoding".getBytes(StandardCharsets.US_ASCII));
		node.sendRaw(client.localAddress(), Bencode.encode(java.util.Map.of("t", "xy", "y", "r",
				"r", java.util.Map.of("id", new byte[20]))));
		node.sendRaw(client.localAddress(), new byte[9000]);
		Flux.interval(Duration.ofMillis(5)).filter(t -> client.dropped() >= before + 4).blockFirst(WAIT);
		assertThat(client.dropped()).isEqualTo(before + 4);

		StepVerifier.create(client.query(node.address(), "ping", java.util.Map.of()))
				.expectNextMatches(r -> r.get("id") instanceof byte[] id && id.length == 20)
				.expectComplete()
				.verify(WAIT);
	}

	@Test
	void explicitAddressesCauseNoDnsLookupAndANameIsResolvedOnlyWhenGiven() throws Exception {
		FakeKrpcNode node = node(true);
		DhtClient byAddress = client(List.of(node.address()), Duration.ofSeconds(1), WAIT);
		assertThat(byAddress.bootstrap().block(WAIT)).isEqualTo(1);
		assertThat(resolved).isEmpty();

		DhtClient byName = client(List.of(InetSocketAddress.createUnresolved("fake-router.invalid",
				node.address().getPort())), Duration.ofSeconds(1), WAIT);
		assertThat(byName.bootstrap().block(WAIT)).isEqualTo(1);
		assertThat(resolved).containsExactly("fake-router.invalid");
	}
}
