// SPDX-License-Identifier: Apache-2.0
package io.peercollab.dht;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerUnreachableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.udp.UdpServer;

/**
 * A read-only Mainline DHT client (BEP 5 KRPC, BEP 44 mutable items, BEP 43 {@code ro=1}) on one Reactor Netty UDP
 * socket: ping, find_node, get and put, nothing else. It stores nothing for others and answers no query.
 *
 * <p>It talks only to the configured bootstrap nodes and to the nodes they (transitively) name. A bootstrap node
 * given as an unresolved host name is resolved in DNS, through the configured {@link Resolver}, when
 * {@link #bootstrap()} runs; one given as an IP address causes no DNS lookup at all.
 *
 * <p>Bound to an IPv6 address it takes part in the IPv6 DHT (BEP 32: {@code want n6}, {@code nodes6}), otherwise in
 * the IPv4 one; it asks only nodes of its own address family.
 *
 * <p>Lookups are iterative (BEP 5): {@link #ALPHA} requests in flight, towards the {@link RoutingTable#K} closest
 * nodes by XOR distance; a lookup ends as soon as the K closest nodes that did not fail and are not slow (unanswered
 * for {@link #SLOW_AFTER_RTTS} typical round trips, see there) have answered, when no node is left to ask, or at the
 * lookup timeout, whichever is first. The write token of every reply that carries one is
 * kept, also of replies that hold a value and no {@code nodes} (webtorrent's {@code bittorrent-dht} answers so).
 *
 * <p>What strangers can make it hold is bounded: datagrams over {@link Bencode#MAX_INPUT} bytes, malformed ones and
 * replies that match no request are dropped and counted ({@link #dropped()}); a lookup keeps at most
 * {@link #MAX_CANDIDATES} candidates and sends at most {@link #MAX_LOOKUP_REQUESTS} requests; at most
 * {@link #MAX_PENDING} requests are in flight. Thread-safe; callbacks
 * that reach subscribers are never made under a lock.
 */
final class DhtClient {

	private static final Logger LOG = LoggerFactory.getLogger(DhtClient.class);

	/** Requests a lookup has in flight at once (BEP 5's alpha). */
	static final int ALPHA = 3;

	/** The most candidate nodes one lookup keeps (the closest ones). */
	static final int MAX_CANDIDATES = 64;

	/** The most requests one lookup sends in all, whatever nodes the replies name. */
	static final int MAX_LOOKUP_REQUESTS = 128;

	/**
	 * A request unanswered after this many times the lookup's typical round trip (the median of those measured so far
	 * in the lookup, else the client's average over earlier lookups; at least {@link #MIN_SLOW_AFTER}; half the request
	 * timeout before the client measured any) is <em>slow</em>: it stops
	 * holding one of the lookup's {@link #ALPHA} slots and no longer keeps the lookup from ending, though its answer
	 * still counts if it comes before the lookup ends (libtorrent's short timeout). Dead nodes in the tables of other
	 * implementations would otherwise hold every lookup for a request timeout each.
	 */
	static final int SLOW_AFTER_RTTS = 4;

	/** The shortest time after which a request is slow. */
	static final Duration MIN_SLOW_AFTER = Duration.ofMillis(100);

	/** The most requests in flight at once. */
	static final int MAX_PENDING = 1024;

	/** The most nodes read from one reply's {@code nodes}. */
	static final int MAX_NODES_PER_REPLY = 32;

	/** The longest write token kept, in bytes. */
	static final int MAX_TOKEN = 64;

	/** KRPC error codes (BEP 5, BEP 44). */
	static final int ERROR_GENERIC = 201;

	/**
	 * Resolves a bootstrap node's host name; the default is the JDK's resolver. Called only for bootstrap nodes
	 * given unresolved, on a thread that may block.
	 */
	@FunctionalInterface
	interface Resolver {

		/** @return the addresses of {@code host} */
		InetAddress[] resolve(String host) throws UnknownHostException;
	}

	/**
	 * A refusal a node sent ({@code y=e}): its KRPC error code (201 generic, 202 server, 203 protocol, 204 method
	 * unknown; BEP 44: 205 value too big, 206 invalid signature, 207 salt too big, 301 CAS mismatch, 302 sequence
	 * number less than current) and message.
	 */
	static final class KrpcErrorException extends PeerCollabException {

		private static final long serialVersionUID = 1L;

		private final int code;

		private final transient InetSocketAddress node;

		KrpcErrorException(InetSocketAddress node, int code, String message) {
			super("DHT node " + IpLiterals.toString(node) + " refused the request: error " + code + " " + message);
			this.node = node;
			this.code = code;
		}

		/** @return the KRPC error code */
		int code() {
			return code;
		}

		/** @return the node that sent it */
		InetSocketAddress node() {
			return node;
		}
	}

	/** No reply came within the request timeout. */
	static final class KrpcTimeoutException extends PeerUnreachableException {

		private static final long serialVersionUID = 1L;

		KrpcTimeoutException(InetSocketAddress node, String method, Duration timeout) {
			super("DHT node " + IpLiterals.toString(node) + " did not answer " + method + " within " + timeout);
		}
	}

	/**
	 * One answer a lookup got.
	 *
	 * @param node the node that answered, with the id it gave
	 * @param token its write token, or {@code null}
	 * @param item the mutable item it returned, not yet verified, or {@code null}
	 */
	record Reply(RoutingTable.Node node, byte[] token, MutableItem item) {
	}

	/**
	 * Write tokens from a get lookup.
	 *
	 * @param holders the nodes that gave a token, closest to the target first, at most K
	 * @param highestSeq the highest sequence number of a valid item stored there, or -1
	 * @param latest the valid item with that sequence number, or {@code null}
	 */
	record Tokens(List<Reply> holders, long highestSeq, MutableItem latest) {
	}

	/**
	 * What one node answered to a put.
	 *
	 * @param node the node
	 * @param error {@code null} if it stored the item, else why not: a {@link KrpcErrorException} (its refusal), a
	 * {@link KrpcTimeoutException}, or another failure
	 */
	record PutOutcome(InetSocketAddress node, Throwable error) {

		/** @return whether the node acknowledged the put */
		boolean stored() {
			return error == null;
		}
	}

	/**
	 * Settings.
	 *
	 * @param bind the local address and port (0: any free one) of the socket; its address must be resolved
	 * @param bootstrap the bootstrap nodes
	 * @param requestTimeout how long a request waits for its reply
	 * @param lookupTimeout how long a lookup may take in all
	 * @param resolver resolves bootstrap nodes given as host names
	 */
	record Options(InetSocketAddress bind, List<InetSocketAddress> bootstrap, Duration requestTimeout,
			Duration lookupTimeout, Resolver resolver) {

		Options {
			Objects.requireNonNull(bind, "bind");
			if (bind.isUnresolved()) {
				throw new IllegalArgumentException("the bind address must be resolved: " + bind);
			}
			bootstrap = List.copyOf(bootstrap);
			Objects.requireNonNull(requestTimeout, "requestTimeout");
			Objects.requireNonNull(lookupTimeout, "lookupTimeout");
			Objects.requireNonNull(resolver, "resolver");
		}
	}

	private final byte[] id;

	private final Options options;

	private final Connection connection;

	private final RoutingTable table;

	private final Map<Transaction, MonoSink<Map<String, Object>>> pending = new ConcurrentHashMap<>();

	private final Set<Lookup> lookups = ConcurrentHashMap.newKeySet();

	private final AtomicInteger nextTransaction = new AtomicInteger(new SecureRandom().nextInt());

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong rejectedItems = new AtomicLong();

	private volatile List<InetSocketAddress> seeds = List.of();

	private volatile boolean closed;

	/**
	 * The typical round trip of this client's answered lookup requests, nanoseconds (an exponentially weighted
	 * average, 1/8 per answer, as TCP's SRTT), or 0 before the first: the slow threshold of a lookup's first requests.
	 */
	private final AtomicLong typicalRtt = new AtomicLong();

	/** Whether the socket is bound to an IPv6 address: the node then takes part in the IPv6 DHT (BEP 32) only. */
	private final boolean ipv6;

	private DhtClient(byte[] id, Options options, Connection connection) {
		this.id = id;
		this.options = options;
		this.connection = connection;
		InetAddress local = options.bind().getAddress();
		this.ipv6 = local instanceof Inet6Address && !local.isAnyLocalAddress();
		this.table = new RoutingTable(id);
		// until bootstrap() resolves the named ones, lookups can start from the ones given as addresses
		this.seeds = options.bootstrap().stream().filter(a -> !a.isUnresolved()).toList();
	}

	/**
	 * Binds the socket; nothing is sent before {@link #bootstrap()} or a lookup.
	 *
	 * @return the client, once bound; fails with {@link PeerUnreachableException} if the socket cannot be bound
	 */
	static Mono<DhtClient> bind(Options options) {
		byte[] id = new byte[20];
		new SecureRandom().nextBytes(id);
		java.util.concurrent.atomic.AtomicReference<DhtClient> self = new java.util.concurrent.atomic.AtomicReference<>();
		AtomicLong early = new AtomicLong();
		return UdpServer.create()
				.bindAddress(options::bind)
				// one byte over the limit, so that an oversized datagram is seen as such rather than cut to fit
				.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Bencode.MAX_INPUT + 1))
				.handle((in, out) -> in.receiveObject()
						.doOnNext(message -> {
							if (message instanceof DatagramPacket packet) {
								DhtClient client = self.get();
								if (client == null) {
									early.incrementAndGet(); // before bind completed: nothing can be pending
								}
								else {
									client.received(packet);
								}
							}
						})
						.then())
				.bind()
				.map(connection -> {
					DhtClient client = new DhtClient(id, options, connection);
					client.dropped.addAndGet(early.get());
					self.set(client);
					return client;
				})
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerUnreachableException(
						"Cannot bind the DHT client's UDP socket to " + IpLiterals.toString(options.bind()) + ": "
								+ e.getMessage(), e));
	}

	/** @return the socket's channel, for tests that watch what the client sends */
	io.netty.channel.Channel channel() {
		return connection.channel();
	}

	/** @return the bound UDP address */
	InetSocketAddress localAddress() {
		return (InetSocketAddress) connection.channel().localAddress();
	}

	/** @return this client's node id */
	byte[] id() {
		return id.clone();
	}

	/** @return how many nodes the routing table holds */
	int routingTableSize() {
		return table.size();
	}

	/** @return how many datagrams were dropped: malformed, over the size limit, unmatched replies, or queries */
	long dropped() {
		return dropped.get();
	}

	/** @return how many items nodes returned that failed verification (key, signature, size) */
	long rejectedItems() {
		return rejectedItems.get();
	}

	/**
	 * Resolves the bootstrap nodes (DNS only for those given as host names), pings them, then looks up this
	 * client's own id to fill the routing table.
	 *
	 * @return the routing table's size afterwards; completes within about twice the lookup timeout
	 */
	Mono<Integer> bootstrap() {
		return Flux.fromIterable(options.bootstrap())
				.flatMap(this::resolveSeed)
				.collectList()
				.doOnNext(resolved -> seeds = List.copyOf(resolved))
				.flatMapMany(Flux::fromIterable)
				.flatMap(seed -> query(seed, "ping", Map.of())
						.doOnNext(r -> learned(seed, r))
						.onErrorResume(e -> {
							LOG.debug("Bootstrap node {} did not answer: {}", seed, e.getMessage());
							return Mono.empty();
						}))
				.thenMany(Flux.defer(() -> lookup(id, "find_node")))
				.then(Mono.fromCallable(table::size));
	}

	private Mono<InetSocketAddress> resolveSeed(InetSocketAddress seed) {
		if (!seed.isUnresolved()) {
			return Mono.just(seed);
		}
		return Mono.fromCallable(() -> options.resolver().resolve(seed.getHostString()))
				.subscribeOn(Schedulers.boundedElastic())
				.flatMapMany(Flux::fromArray)
				.filter(address -> (address instanceof Inet6Address) == ipv6)
				.next()
				.map(address -> new InetSocketAddress(address, seed.getPort()))
				.onErrorResume(e -> {
					LOG.debug("Cannot resolve the bootstrap node {}: {}", seed.getHostString(), e.toString());
					return Mono.empty();
				});
	}

	/**
	 * Looks up the mutable item (no salt) stored under an Ed25519 key.
	 *
	 * <p>Once a reply carried an item, the lookup also waits for the slow nodes among the K closest (until they
	 * answer or their request times out): they may hold a newer item than the faster ones (see
	 * {@link #lookup(byte[], String, boolean)}).
	 *
	 * @return every item a node returns, as it arrives, once verified (its key is {@code publicKey}, its bencoded
	 * value at most 1000 bytes, its signature valid); items that fail are dropped and counted
	 * ({@link #rejectedItems()}); completes when the lookup ends; fails with {@link IllegalStateException} if the
	 * client is closed meanwhile
	 */
	Flux<MutableItem> get(byte[] publicKey) {
		return lookup(target(publicKey), "get", true)
				.filter(reply -> reply.item() != null && verified(publicKey, reply.item()))
				.map(Reply::item);
	}

	/**
	 * A get lookup for the write tokens of the nodes closest to {@code publicKey}'s target, to its end.
	 *
	 * @return the tokens (none if no node gave one)
	 */
	Mono<Tokens> tokens(byte[] publicKey) {
		return tokens(publicKey, null);
	}

	/**
	 * A get lookup for the write tokens of the nodes closest to {@code publicKey}'s target.
	 *
	 * @param quiet if not {@code null}, the lookup also ends when this long passed after the last token without a
	 * new one (a node that never answers then does not hold the result back for the request timeout)
	 * @return the tokens (none if no node gave one)
	 */
	Mono<Tokens> tokens(byte[] publicKey, Duration quiet) {
		byte[] target = target(publicKey);
		Flux<Reply> replies = lookup(target, "get");
		if (quiet != null) {
			// only replies with a token pass the timeout operator, so only they restart its timer
			replies = replies.filter(reply -> reply.token() != null)
					.timeout(Mono.never(), reply -> Mono.delay(quiet))
					.onErrorResume(java.util.concurrent.TimeoutException.class, e -> Flux.empty());
		}
		return replies
				.collectList()
				.map(all -> {
					long highest = -1;
					MutableItem latest = null;
					List<Reply> holders = new ArrayList<>();
					for (Reply reply : all) {
						if (reply.item() != null && reply.item().seq() > highest && verified(publicKey, reply.item())) {
							highest = reply.item().seq();
							latest = reply.item();
						}
						if (reply.token() != null) {
							holders.add(reply);
						}
					}
					holders.sort(Comparator.comparing(r -> RoutingTable.distance(r.node().id(), target),
							Arrays::compareUnsigned));
					return new Tokens(List.copyOf(holders.subList(0, Math.min(RoutingTable.K, holders.size()))),
							highest, latest);
				});
	}

	/**
	 * Stores a signed item at the nodes that gave {@code tokens}, all at once.
	 *
	 * @return each node's answer as it arrives (acknowledged, refused with its error, or timed out); completes
	 * once every node answered or timed out
	 */
	Flux<PutOutcome> put(Tokens tokens, MutableItem item) {
		return put(tokens, item, -1);
	}

	/**
	 * Stores a signed item at the nodes that gave {@code tokens}, all at once, as a compare-and-swap (BEP 44
	 * {@code cas}) at the nodes whose reply held the item with sequence number {@code cas}: such a node refuses it
	 * (error 301) if another item replaced that one meanwhile. The other nodes held no item or an older one, which
	 * the put replaces unconditionally.
	 *
	 * @param cas the sequence number the item replaces, or -1: no compare-and-swap anywhere
	 * @return each node's answer as it arrives (acknowledged, refused with its error, or timed out); completes
	 * once every node answered or timed out
	 */
	Flux<PutOutcome> put(Tokens tokens, MutableItem item, long cas) {
		Object value = Bencode.decode(item.value());
		return Flux.fromIterable(tokens.holders())
				.flatMap(holder -> {
					Map<String, Object> args = new HashMap<>();
					args.put("token", holder.token());
					args.put("k", item.publicKey());
					args.put("seq", item.seq());
					args.put("sig", item.signature());
					args.put("v", value);
					if (cas >= 0 && holder.item() != null && holder.item().seq() == cas) {
						args.put("cas", cas);
					}
					InetSocketAddress to = holder.node().address();
					return query(to, "put", args)
							.map(r -> new PutOutcome(to, null))
							.onErrorResume(e -> Mono.just(new PutOutcome(to, e)));
				});
	}

	/**
	 * Closes the socket; every lookup and request in flight fails with {@link IllegalStateException}. Idempotent.
	 *
	 * @return completes once the socket is closed
	 */
	Mono<Void> close() {
		return Mono.defer(() -> {
			closed = true;
			IllegalStateException error = new IllegalStateException("the DHT client is closed");
			for (Lookup lookup : List.copyOf(lookups)) {
				lookup.fail(error);
			}
			for (Transaction t : List.copyOf(pending.keySet())) {
				MonoSink<Map<String, Object>> sink = pending.remove(t);
				if (sink != null) {
					sink.error(error);
				}
			}
			connection.dispose();
			return connection.onDispose();
		});
	}

	/**
	 * Sends one query and waits for its reply.
	 *
	 * @param args the arguments besides {@code id}
	 * @return the reply's {@code r} dictionary; fails with {@link KrpcErrorException} if the node refused,
	 * {@link KrpcTimeoutException} after the request timeout, {@link LimitExceededException} if
	 * {@link #MAX_PENDING} requests are in flight, {@link IllegalStateException} if the client is closed
	 */
	Mono<Map<String, Object>> query(InetSocketAddress to, String method, Map<String, Object> args) {
		Mono<Map<String, Object>> request = Mono.create(sink -> {
			if (closed) {
				sink.error(new IllegalStateException("the DHT client is closed"));
				return;
			}
			if (pending.size() >= MAX_PENDING) {
				sink.error(new LimitExceededException("The DHT client has " + MAX_PENDING
						+ " requests in flight, its limit"));
				return;
			}
			Transaction t = null;
			for (int attempt = 0; attempt < 16 && t == null; attempt++) {
				Transaction candidate = new Transaction(nextTransaction.getAndIncrement() & 0xffff, to);
				if (pending.putIfAbsent(candidate, sink) == null) {
					t = candidate;
				}
			}
			if (t == null) {
				sink.error(new LimitExceededException("No free transaction id for " + IpLiterals.toString(to)));
				return;
			}
			Transaction key = t;
			sink.onDispose(() -> pending.remove(key, sink));
			Map<String, Object> a = new HashMap<>(args);
			a.put("id", id);
			Map<String, Object> message = new HashMap<>();
			message.put("t", new byte[] {(byte) (key.id() >> 8), (byte) key.id()});
			message.put("y", "q");
			message.put("q", method);
			message.put("a", a);
			message.put("ro", 1);
			send(to, Bencode.encode(message), sink);
		});
		Duration timeout = options.requestTimeout();
		return request.timeout(timeout, Mono.error(() -> new KrpcTimeoutException(to, method, timeout)));
	}

	private void send(InetSocketAddress to, byte[] bytes, MonoSink<?> sink) {
		if (to.isUnresolved()) {
			sink.error(new IllegalArgumentException("cannot send to an unresolved address: " + to));
			return;
		}
		connection.channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to))
				.addListener(future -> {
					if (!future.isSuccess()) {
						sink.error(new PeerUnreachableException("Cannot send to DHT node " + IpLiterals.toString(to)
								+ ": " + future.cause(), future.cause()));
					}
				});
	}

	/** Handles one datagram, on the socket's event loop: never throws. */
	private void received(DatagramPacket packet) {
		try {
			ByteBuf content = packet.content();
			if (content.readableBytes() > Bencode.MAX_INPUT) {
				drop(packet.sender(), "a datagram over " + Bencode.MAX_INPUT + " bytes");
				return;
			}
			byte[] bytes = new byte[content.readableBytes()];
			content.getBytes(content.readerIndex(), bytes);
			handle(packet.sender(), bytes);
		}
		catch (RuntimeException e) {
			drop(packet.sender(), e.toString());
		}
	}

	private void handle(InetSocketAddress sender, byte[] bytes) {
		Map<String, Object> message;
		try {
			message = Bencode.decodeDictionary(bytes);
		}
		catch (Bencode.BencodeException e) {
			drop(sender, e.getMessage());
			return;
		}
		if (!(message.get("t") instanceof byte[] t) || !(message.get("y") instanceof byte[] y)) {
			drop(sender, "a message without t or y");
			return;
		}
		String type = Bencode.latin1(y);
		if (type.equals("q")) {
			drop(sender, "a query (this client is read-only)");
			return;
		}
		if (!type.equals("r") && !type.equals("e")) {
			drop(sender, "a message of type " + type);
			return;
		}
		MonoSink<Map<String, Object>> sink = t.length == 2
				? pending.remove(new Transaction(((t[0] & 0xff) << 8) | (t[1] & 0xff), sender))
				: null;
		if (sink == null) {
			drop(sender, "a reply to no request in flight");
			return;
		}
		if (type.equals("r")) {
			if (message.get("r") instanceof Map<?, ?> r && r.get("id") instanceof byte[] nodeId
					&& nodeId.length == 20) {
				@SuppressWarnings("unchecked")
				Map<String, Object> reply = (Map<String, Object>) r;
				sink.success(reply);
			}
			else {
				dropped.incrementAndGet();
				sink.error(new KrpcErrorException(sender, 203, "(a reply without a 20-byte id)"));
			}
			return;
		}
		int code = ERROR_GENERIC;
		String text = "";
		if (message.get("e") instanceof List<?> e) {
			if (!e.isEmpty() && e.get(0) instanceof Long c) {
				code = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, c));
			}
			if (e.size() > 1 && e.get(1) instanceof byte[] m) {
				text = new String(m, 0, Math.min(m.length, 200), java.nio.charset.StandardCharsets.UTF_8);
			}
		}
		sink.error(new KrpcErrorException(sender, code, text));
	}

	private void drop(InetSocketAddress sender, String why) {
		dropped.incrementAndGet();
		LOG.debug("Dropped a datagram from {}: {}", sender, why);
	}

	private boolean verified(byte[] publicKey, MutableItem item) {
		String problem = null;
		if (!Arrays.equals(publicKey, item.publicKey())) {
			problem = "another key";
		}
		else if (item.value().length > MutableItem.MAX_VALUE_LENGTH) {
			problem = "a value of " + item.value().length + " bytes, over " + MutableItem.MAX_VALUE_LENGTH;
		}
		else if (item.seq() < 0) {
			problem = "a negative sequence number";
		}
		else if (!item.verify()) {
			problem = "a bad signature";
		}
		if (problem != null) {
			rejectedItems.incrementAndGet();
			LOG.debug("Rejected an item for {}: {}", ZBase32.encode(publicKey), problem);
			return false;
		}
		return true;
	}

	/** Adds a node that answered to the routing table. */
	private RoutingTable.Node learned(InetSocketAddress address, Map<String, Object> reply) {
		RoutingTable.Node node = new RoutingTable.Node((byte[]) reply.get("id"), address);
		table.answered(node);
		return node;
	}

	/**
	 * An iterative lookup of {@code target}.
	 *
	 * @param method {@code get} or {@code find_node}
	 * @return every answer, as it arrives; completes when the lookup ends (see the class comment), at the latest
	 * after the lookup timeout; fails with {@link IllegalStateException} if the client is closed meanwhile
	 */
	Flux<Reply> lookup(byte[] target, String method) {
		return lookup(target, method, false);
	}

	/**
	 * An iterative lookup of {@code target}.
	 *
	 * @param method {@code get} or {@code find_node}
	 * @param patientOnceFound whether, once a reply carried an item, the lookup ends only when the K closest nodes
	 * that did not fail have answered, slow ones included (a slow node still gives up its slot, so the lookup goes on
	 * asking meanwhile, and fails at the request timeout if it never answers): the nodes closest to the key are the
	 * ones a record is stored at, and a slow one may hold a newer record than the fast ones. A lookup that found
	 * nothing yet does not wait for slow nodes (dead nodes in other implementations' tables would hold every miss
	 * for a request timeout).
	 * @return every answer, as it arrives; completes when the lookup ends (see the class comment), at the latest
	 * after the lookup timeout; fails with {@link IllegalStateException} if the client is closed meanwhile
	 */
	Flux<Reply> lookup(byte[] target, String method, boolean patientOnceFound) {
		return Flux.<Reply>create(sink -> {
			Lookup lookup = new Lookup(target, method, patientOnceFound, sink);
			if (closed) {
				sink.error(new IllegalStateException("the DHT client is closed"));
				return;
			}
			lookups.add(lookup);
			sink.onDispose(() -> {
				lookups.remove(lookup);
				lookup.requests.dispose();
			});
			if (closed) { // closed meanwhile, perhaps before close() saw this lookup
				lookup.fail(new IllegalStateException("the DHT client is closed"));
				return;
			}
			lookup.start();
		}).take(options.lookupTimeout());
	}

	private enum State {
		/** Not asked yet. */
		FRESH,
		/** Asked, in one of the lookup's ALPHA slots. */
		ASKED,
		/** Asked, unanswered for longer than the lookup's slow threshold: no slot, not waited for. */
		SLOW,
		ANSWERED,
		FAILED
	}

	private static final class Candidate {

		final InetSocketAddress address;

		byte[] id;

		byte[] distance;

		State state = State.FRESH;

		/** When it was asked, {@link System#nanoTime()}. */
		long askedAt;

		Candidate(InetSocketAddress address, byte[] id, byte[] target) {
			this.address = address;
			setId(id, target);
		}

		void setId(byte[] value, byte[] target) {
			id = value;
			if (value == null) {
				distance = new byte[20];
				Arrays.fill(distance, (byte) 0xff); // unknown: after every known node
			}
			else {
				distance = RoutingTable.distance(value, target);
			}
		}
	}

	private static final Comparator<Candidate> BY_DISTANCE = (a, b) -> Arrays.compareUnsigned(a.distance,
			b.distance);

	private final class Lookup {

		final byte[] target;

		final String method;

		final FluxSink<Reply> sink;

		/** See {@link DhtClient#lookup(byte[], String, boolean)}. */
		final boolean patientOnceFound;

		/** Whether a reply carried an item; guarded by this. */
		boolean found;

		final Disposable.Composite requests = Disposables.composite();

		/** Sorted by distance to the target, closest first; guarded by this. */
		final List<Candidate> candidates = new ArrayList<>();

		final Set<InetSocketAddress> known = new HashSet<>();

		/** Requests in the ALPHA slots: asked and not yet slow. */
		int inFlight;

		int sent;

		boolean done;

		/** Round trips of this lookup's answered requests, nanoseconds; at most the first 16. */
		final long[] rtts = new long[16];

		int rttCount;

		Lookup(byte[] target, String method, boolean patientOnceFound, FluxSink<Reply> sink) {
			this.target = target;
			this.method = method;
			this.patientOnceFound = patientOnceFound;
			this.sink = sink;
		}

		void start() {
			synchronized (this) {
				for (RoutingTable.Node node : table.closest(target, RoutingTable.K)) {
					add(node.address(), node.id());
				}
				if (candidates.size() < RoutingTable.K) {
					for (InetSocketAddress seed : seeds) {
						add(seed, null);
					}
				}
			}
			step();
		}

		/** Adds a candidate unless known or ours; keeps the closest {@link #MAX_CANDIDATES}. Under this. */
		private void add(InetSocketAddress address, byte[] nodeId) {
			if (known.contains(address) || address.getPort() == 0 || (nodeId != null && Arrays.equals(nodeId, id))
					|| (address.getAddress() instanceof Inet6Address) != ipv6
					|| address.equals(localAddress())) {
				return;
			}
			Candidate c = new Candidate(address, nodeId, target);
			int at = 0;
			while (at < candidates.size() && BY_DISTANCE.compare(candidates.get(at), c) <= 0) {
				at++;
			}
			if (at >= MAX_CANDIDATES) {
				return;
			}
			candidates.add(at, c);
			known.add(address);
			// drop the farthest candidate not yet asked when over the bound (asked ones keep their slot until done)
			for (int i = candidates.size() - 1; candidates.size() > MAX_CANDIDATES && i >= 0; i--) {
				if (candidates.get(i).state == State.FRESH || candidates.get(i).state == State.FAILED) {
					candidates.remove(i);
				}
			}
		}

		void step() {
			List<Candidate> toAsk = new ArrayList<>();
			boolean finished;
			synchronized (this) {
				if (done) {
					return;
				}
				int closest = 0;
				boolean allAnswered = true;
				for (Candidate c : candidates) {
					if (c.state == State.FAILED || c.state == State.SLOW) {
						continue;
					}
					if (closest++ >= RoutingTable.K) {
						break;
					}
					if (c.state != State.ANSWERED) {
						allAnswered = false;
					}
					if (c.state == State.FRESH && inFlight < ALPHA && sent < MAX_LOOKUP_REQUESTS) {
						c.state = State.ASKED;
						c.askedAt = System.nanoTime();
						inFlight++;
						sent++;
						toAsk.add(c);
					}
				}
				finished = (closest > 0 && allAnswered) || (inFlight == 0 && toAsk.isEmpty());
				if (finished && patientOnceFound && found) {
					finished = closestAnsweredOrFailed();
				}
				done = finished;
			}
			if (finished) {
				sink.complete();
				return;
			}
			Duration slowAfter = toAsk.isEmpty() ? null : slowAfter();
			for (Candidate c : toAsk) {
				Map<String, Object> args = Map.of("target", target, "want", List.of(ipv6 ? "n6" : "n4"));
				requests.add(query(c.address, method, args).subscribe(r -> answered(c, r), e -> failed(c, e)));
				requests.add(Mono.delay(slowAfter).subscribe(tick -> slow(c)));
			}
		}

		/**
		 * @return whether the K closest candidates that did not fail, slow ones included, have all answered (a slow
		 * request still pending holds the end until it answers or times out). Under this.
		 */
		private boolean closestAnsweredOrFailed() {
			int closest = 0;
			for (Candidate c : candidates) {
				if (c.state == State.FAILED) {
					continue;
				}
				if (closest++ >= RoutingTable.K) {
					return true;
				}
				if (c.state == State.SLOW) {
					return false;
				}
			}
			return true;
		}

		/** @return how long a request of this lookup may go unanswered before it is slow */
		private Duration slowAfter() {
			long[] measured;
			synchronized (this) {
				measured = Arrays.copyOf(rtts, rttCount);
			}
			long rtt;
			if (measured.length > 0) {
				Arrays.sort(measured);
				rtt = measured[measured.length / 2];
			}
			else {
				rtt = typicalRtt.get();
				if (rtt == 0) {
					return options.requestTimeout().dividedBy(2);
				}
			}
			Duration typical = Duration.ofNanos(rtt).multipliedBy(SLOW_AFTER_RTTS);
			return typical.compareTo(MIN_SLOW_AFTER) < 0 ? MIN_SLOW_AFTER : typical;
		}

		/** The request to {@code c} is slow if still unanswered: its slot goes to the next candidate. */
		private void slow(Candidate c) {
			synchronized (this) {
				if (c.state != State.ASKED) {
					return;
				}
				c.state = State.SLOW;
				inFlight--;
			}
			step();
		}

		private void answered(Candidate c, Map<String, Object> r) {
			RoutingTable.Node node = learned(c.address, r);
			byte[] token = r.get("token") instanceof byte[] t && t.length <= MAX_TOKEN ? t : null;
			MutableItem item = method.equals("get") ? item(r) : null;
			synchronized (this) {
				if (c.state == State.ASKED) {
					inFlight--;
					// the round trips of answers in time only: a slow node's late answer would raise the threshold
					long rtt = System.nanoTime() - c.askedAt;
					if (rttCount < rtts.length) {
						rtts[rttCount++] = rtt;
					}
					typicalRtt.getAndUpdate(old -> old == 0 ? rtt : old + (rtt - old) / 8);
				}
				c.state = State.ANSWERED;
				found |= item != null;
				if (c.id == null || !Arrays.equals(c.id, node.id())) {
					candidates.remove(c);
					c.setId(node.id(), target);
					int at = 0;
					while (at < candidates.size() && BY_DISTANCE.compare(candidates.get(at), c) <= 0) {
						at++;
					}
					candidates.add(at, c);
				}
				for (RoutingTable.Node n : compactNodes(r.get(ipv6 ? "nodes6" : "nodes"), ipv6)) {
					add(n.address(), n.id());
				}
			}
			sink.next(new Reply(node, token, item));
			step();
		}

		private void failed(Candidate c, Throwable e) {
			if (e instanceof KrpcTimeoutException) {
				table.failed(c.address);
			}
			synchronized (this) {
				if (c.state == State.ASKED) {
					inFlight--;
				}
				c.state = State.FAILED;
			}
			LOG.debug("{} lookup: {}", method, e.getMessage());
			step();
		}

		void fail(Throwable error) {
			synchronized (this) {
				done = true;
			}
			sink.error(error);
		}
	}

	/** @return the mutable item of a get reply, not verified, or {@code null} if it holds none */
	private static MutableItem item(Map<String, Object> r) {
		Object v = r.get("v");
		if (v == null || !(r.get("k") instanceof byte[] k) || k.length != 32
				|| !(r.get("sig") instanceof byte[] sig) || sig.length != 64 || !(r.get("seq") instanceof Long seq)) {
			return null;
		}
		return new MutableItem(k, seq, Bencode.encode(v), sig);
	}

	/**
	 * @return the nodes of a compact node string: {@code nodes} (BEP 5, 26 bytes each, IPv4) or {@code nodes6}
	 * (BEP 32, 38 bytes each, IPv6), at most {@link #MAX_NODES_PER_REPLY}
	 */
	static List<RoutingTable.Node> compactNodes(Object nodes, boolean ipv6) {
		if (!(nodes instanceof byte[] bytes)) {
			return List.of();
		}
		int ipLength = ipv6 ? 16 : 4;
		List<RoutingTable.Node> out = new ArrayList<>();
		ByteBuffer b = ByteBuffer.wrap(bytes);
		while (b.remaining() >= 22 + ipLength && out.size() < MAX_NODES_PER_REPLY) {
			byte[] nodeId = new byte[20];
			byte[] ip = new byte[ipLength];
			b.get(nodeId).get(ip);
			int port = b.getShort() & 0xffff;
			try {
				out.add(new RoutingTable.Node(nodeId, new InetSocketAddress(InetAddress.getByAddress(ip), port)));
			}
			catch (UnknownHostException e) {
				throw new IllegalStateException(e); // 4 or 16 bytes are always an address
			}
		}
		return out;
	}

	/** @return the compact form of nodes, all IPv4 or all IPv6, as {@link #compactNodes} reads it */
	static byte[] compact(List<RoutingTable.Node> nodes) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (RoutingTable.Node n : nodes) {
			out.writeBytes(n.id());
			out.writeBytes(n.address().getAddress().getAddress());
			out.write(n.address().getPort() >> 8);
			out.write(n.address().getPort());
		}
		return out.toByteArray();
	}

	/** @return the DHT target of a mutable item without salt: SHA-1 of its public key */
	static byte[] target(byte[] publicKey) {
		try {
			return MessageDigest.getInstance("SHA-1").digest(publicKey);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	private record Transaction(int id, InetSocketAddress node) {
	}
}
