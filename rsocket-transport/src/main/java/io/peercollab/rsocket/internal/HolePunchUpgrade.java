// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

import io.peercollab.InvalidRequestException;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.identity.PeerName;
import io.peercollab.PeerUnreachableException;
import io.peercollab.internal.nat.TcpHolePunch;
import io.peercollab.rsocket.RSocketPeerTransport;
import io.rsocket.Payload;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Upgrades a relayed connection to a direct one by TCP hole punching, coordinated over the relayed connection itself,
 * as libp2p's DCUtR does over its relay.
 *
 * <p>The end whose outbound connection goes through a relay (the initiator, the RSocket client of that connection,
 * which dialled the relayed address through its own allocation or with plain TCP) learns the TCP mapping of a fresh
 * local port ({@link TcpHolePunch#mappedAddress}) from the servers its binding checks its public address against, in
 * the same order (the configured STUN servers, then the TURN server), keeping the first that answers; it sends that
 * mapping in a {@code peercollab.v1.punch} request, phase {@code "connect"}. The other end learns its own mapping the
 * same way and answers with it. The initiator then measures the round trip over the relayed connection (a
 * {@code peercollab.v1.hello}), sends phase {@code "sync"}, and starts {@link TcpHolePunch#connect} half a round trip
 * later; the other end starts as the {@code "sync"} arrives, so that both SYNs leave at about the same moment.
 *
 * <p>The punched TCP connection then carries the same pinned, mutually authenticated TLS 1.3 and RSocket as any other:
 * the initiator is its TLS client and expects the key it already proved over the relay; the other end serves it as an
 * inbound connection (through the same admission, TLS and SETUP checks as an accepted one). From then on, the
 * initiator's new requests and streams to that peer take the direct connection ({@link #direct}); its open sessions
 * and follows move there with nothing lost or repeated (PROTOCOL.md 5.8.1 and 5.7.1), other streams already open on
 * the relayed connection finish there, and the relayed connection closes once nothing is left on it.
 *
 * <p>On any failure (no STUN or TURN server on either end, no mapping from any of them, a peer that does not know the
 * route, a NAT that cannot be punched by the deadline, a failed TLS handshake) the relayed connection stays as it is,
 * and the reason is kept in the {@link Outcome} ({@link #outcomes()}, {@link #last}). An initiator does not try again
 * towards the same peer within {@link #RETRY_AFTER}.
 *
 * <p>What the other end can make this end do is bounded: at most {@link #MAX_ANSWERING} punches answered at once (one
 * per caller), each one STUN transaction plus one listening and dialling port for at most {@link #DEADLINE}.
 *
 * <p>Implementation, not API.
 */
final class HolePunchUpgrade implements Disposable {

	private static final Logger log = Loggers.getLogger(HolePunchUpgrade.class);

	/** How long {@link TcpHolePunch#connect} keeps trying, on each end. */
	static final Duration DEADLINE = Duration.ofSeconds(5);

	/** How long an answered {@code "connect"} waits for its {@code "sync"}. */
	static final Duration SYNC_WAIT = Duration.ofSeconds(10);

	/** How long an initiator waits before trying again towards a peer whose upgrade failed. */
	static final Duration RETRY_AFTER = Duration.ofSeconds(60);

	/**
	 * How long the initiator waits for the answer to its {@code "connect"}, in STUN timeouts: the other end may ask
	 * every server it has (up to {@link RSocketPeerTransport#MAX_STUN_SERVERS} configured ones, then its TURN server)
	 * before one answers, each for up to a timeout (the same as this end's, as far as this end knows), and the answer
	 * then crosses the relay.
	 */
	static final int CONNECT_WAIT = RSocketPeerTransport.MAX_STUN_SERVERS + 2;

	/** How many punches this end answers at once, whoever asks. */
	static final int MAX_ANSWERING = 4;

	/** How many connections the answering end serves from one punch (both ends' SYNs may each make one). */
	static final int MAX_CONNECTIONS_PER_PUNCH = 3;

	static final String CONNECT = "connect";
	static final String SYNC = "sync";

	/**
	 * What one hole-punching attempt came to, on either end.
	 *
	 * @param peer the other end
	 * @param initiator whether this end asked for it (its outbound connection was relayed)
	 * @param stunServer the server that told this end its TCP mapping, or {@code null} if none did (or the attempt
	 *     ended before asking)
	 * @param direct the direct connection's remote address, or {@code null} if the attempt failed
	 * @param roundTrip the round trip measured over the relayed connection, or {@code null} if not measured
	 * @param took from the start of the attempt to its end
	 * @param failure why it failed, or {@code null} if it succeeded
	 */
	record Outcome(PeerName peer, boolean initiator, InetSocketAddress stunServer, InetSocketAddress direct,
			Duration roundTrip, Duration took, String failure) {

		/** @return whether a direct connection was made */
		boolean succeeded() {
			return failure == null;
		}
	}

	private final List<InetSocketAddress> stunServers;
	private final PayloadCodec codec;
	private final Duration timeout;
	private final BiFunction<Connection, PeerName, Mono<RSocketPeerConnection>> asClient;
	private final BiConsumer<Connection, InetSocketAddress> asServer;

	private final Map<PeerName, RSocketPeerConnection> direct = new ConcurrentHashMap<>();
	private final Map<PeerName, Boolean> running = new ConcurrentHashMap<>();
	private final Map<PeerName, Long> failedAt = new ConcurrentHashMap<>();
	private final Map<PeerName, Outcome> last = new ConcurrentHashMap<>();
	private final Map<PeerName, Pending> answering = new ConcurrentHashMap<>();
	private final AtomicInteger answers = new AtomicInteger();
	private volatile boolean enabled = true;
	private final Disposable.Composite tasks = Disposables.composite();
	private final Sinks.Many<Outcome> outcomes = Sinks.many().multicast().directBestEffort();

	/**
	 * @param stunServers the servers to learn this end's TCP mapping from, in the order they are asked (the binding's:
	 *     the configured STUN servers, then the TURN server); empty if there are none (then this end neither initiates
	 *     nor answers)
	 * @param codec the payload codec of the binding
	 * @param timeout how long a STUN transaction may take
	 * @param asClient runs the pinned TLS client handshake, SETUP and hello on a punched connection, expecting that name
	 * @param asServer serves a punched connection as an inbound one, from that address
	 */
	HolePunchUpgrade(List<InetSocketAddress> stunServers, PayloadCodec codec, Duration timeout,
			BiFunction<Connection, PeerName, Mono<RSocketPeerConnection>> asClient,
			BiConsumer<Connection, InetSocketAddress> asServer) {
		this.stunServers = List.copyOf(stunServers);
		this.codec = codec;
		this.timeout = timeout;
		this.asClient = asClient;
		this.asServer = asServer;
	}

	/**
	 * Turns hole punching on or off (on by default): off, this end neither starts an upgrade nor answers one, and says
	 * so to a peer that asks.
	 *
	 * @param on whether to punch
	 */
	void enabled(boolean on) {
		this.enabled = on;
	}

	/**
	 * @param peer a peer
	 * @return the open direct connection punched to it, or {@code null} if there is none
	 */
	RSocketPeerConnection direct(PeerName peer) {
		RSocketPeerConnection c = direct.get(peer);
		return c == null || c.isDisposed() ? null : c;
	}

	/** @return whether this end holds an open hole-punched connection to {@code peer} that it initiated */
	boolean isHolePunched(PeerName peer) {
		return direct(peer) != null;
	}

	/** @return every attempt's outcome from now on, on either end; the hook for the path a peer is reached by */
	Flux<Outcome> outcomes() {
		return outcomes.asFlux();
	}

	/** @return the outcome of the latest attempt with {@code peer}, on either end */
	Optional<Outcome> last(PeerName peer) {
		return Optional.ofNullable(last.get(peer));
	}

	/**
	 * Starts an upgrade of {@code relayed} in the background, unless one runs or succeeded already, this end has no
	 * STUN server, or the last one towards that peer failed less than {@link #RETRY_AFTER} ago.
	 */
	void offer(RSocketPeerConnection relayed) {
		PeerName peer = relayed.remote();
		Long failed = failedAt.get(peer);
		if (!enabled || stunServers.isEmpty() || tasks.isDisposed() || direct(peer) != null
				|| failed != null && System.nanoTime() - failed < RETRY_AFTER.toNanos()) {
			return;
		}
		if (running.putIfAbsent(peer, Boolean.TRUE) != null) {
			return;
		}
		Disposable.Swap task = Disposables.swap();
		tasks.add(task);
		task.update(upgrade(relayed).doFinally(s -> {
			running.remove(peer);
			tasks.remove(task);
		}).subscribe(o -> { }, e -> log.debug("hole punching to {} failed", peer, e)));
	}

	/**
	 * Upgrades {@code relayed} now, as the initiator.
	 *
	 * @return the outcome (never an error): the direct connection is then {@link #direct}
	 */
	Mono<Outcome> upgrade(RSocketPeerConnection relayed) {
		PeerName peer = relayed.remote();
		long start = System.nanoTime();
		Duration[] roundTrip = new Duration[1];
		InetSocketAddress[] stun = new InetSocketAddress[1];
		if (stunServers.isEmpty()) {
			return Mono.just(record(new Outcome(peer, true, null, null, null, Duration.ZERO,
					"this end has no STUN or TURN server to learn its TCP mapping from")));
		}
		return Mono.fromCallable(HolePunchUpgrade::localPort)
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(local -> mappedAddress(local)
						.flatMap(mine -> {
							stun[0] = mine.server();
							return request(relayed, new Wire.Punch(CONNECT, mine.address().getAddress().getAddress(),
									mine.address().getPort()));
						})
						.map(answer -> mapped(answer, "punch response from " + peer))
						.flatMap(theirs -> roundTrip(relayed).flatMap(rtt -> {
							roundTrip[0] = rtt;
							// the other end starts as the sync arrives: half a round trip after it leaves
							Mono<Connection> punch = Mono.delay(rtt.dividedBy(2))
									.then(TcpHolePunch.connect(local, theirs, DEADLINE));
							return Mono.zip(request(relayed, new Wire.Punch(SYNC, null, null)), punch,
									(ignored, c) -> c);
						}))
						.flatMap(c -> asClient.apply(reading(c), peer)))
				.map(c -> {
					direct.put(peer, c);
					// whoever holds the relayed connection (the engine reuses a contact's open one) goes direct too
					relayed.moveTo(c);
					c.onClose().subscribe(null, e -> direct.remove(peer, c), () -> direct.remove(peer, c));
					failedAt.remove(peer);
					InetSocketAddress to = ((io.peercollab.TcpAddress) c.remoteAddress()).socketAddress();
					log.debug("hole punched to {} at {}", peer, to);
					return record(new Outcome(peer, true, stun[0], to, roundTrip[0], since(start), null));
				})
				.onErrorResume(e -> {
					failedAt.put(peer, System.nanoTime());
					return Mono.just(record(new Outcome(peer, true, stun[0], null, roundTrip[0], since(start),
							e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
				});
	}

	/**
	 * Answers a {@code peercollab.v1.punch} request from {@code caller}.
	 *
	 * @return the response's data
	 */
	Mono<Wire.Punch> answer(PeerName caller, Wire.Punch request) {
		if (!enabled) {
			return Mono.error(new PeerUnreachableException("cannot punch a hole: hole punching is turned off here"));
		}
		if (CONNECT.equals(request.phase())) {
			InetSocketAddress theirs = mapped(request, "punch request from " + caller);
			if (stunServers.isEmpty()) {
				return Mono.error(new PeerUnreachableException("cannot punch a hole: this end has no STUN or TURN "
						+ "server to learn its TCP mapping from"));
			}
			Pending replaced = answering.remove(caller);
			if (replaced != null) {
				replaced.release();
			}
			if (answers.incrementAndGet() > MAX_ANSWERING) {
				answers.decrementAndGet();
				return Mono.error(new LimitExceededException("cannot punch a hole now: " + MAX_ANSWERING
						+ " punches are being answered already"));
			}
			Pending pending = new Pending(theirs);
			return Mono.fromCallable(HolePunchUpgrade::localPort)
					.subscribeOn(Schedulers.boundedElastic())
					.flatMap(local -> {
						pending.local = local;
						return mappedAddress(local);
					})
					.map(mapped -> {
						pending.stunServer = mapped.server();
						InetSocketAddress mine = mapped.address();
						answering.put(caller, pending);
						// a sync that never comes frees the slot
						pending.expiry = Mono.delay(SYNC_WAIT).subscribe(x -> {
							if (answering.remove(caller, pending)) {
								pending.release();
								record(new Outcome(caller, false, pending.stunServer, null, null, SYNC_WAIT,
										"no sync within " + SYNC_WAIT.toMillis() + " ms of the connect"));
							}
						});
						return new Wire.Punch(null, mine.getAddress().getAddress(), mine.getPort());
					})
					.doOnError(e -> pending.release())
					.doOnCancel(pending::release);
		}
		if (SYNC.equals(request.phase())) {
			Pending pending = answering.remove(caller);
			if (pending == null) {
				return Mono.error(new InvalidRequestException("punch phase '" + SYNC + "' from " + caller
						+ " without a pending '" + CONNECT + "'"));
			}
			pending.expiry.dispose();
			long start = System.nanoTime();
			Disposable.Swap task = Disposables.swap();
			tasks.add(task);
			// the initiator chooses among the connections that form (it is the TLS client): serve each of them
			java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
			task.update(TcpHolePunch.connections(pending.local, pending.remote, DEADLINE)
					.take(MAX_CONNECTIONS_PER_PUNCH)
					.doFinally(s -> {
						pending.release();
						tasks.remove(task);
					})
					.subscribe(c -> {
						InetSocketAddress from = (InetSocketAddress) c.channel().remoteAddress();
						asServer.accept(reading(c), from);
						if (first.compareAndSet(true, false)) {
							record(new Outcome(caller, false, pending.stunServer, from, null, since(start), null));
						}
					}, e -> record(new Outcome(caller, false, pending.stunServer, null, null, since(start),
							e.getMessage()))));
			return Mono.just(new Wire.Punch(null, null, null));
		}
		return Mono.error(new InvalidRequestException("punch field 'phase' must be '" + CONNECT + "' or '" + SYNC
				+ "', was " + (request.phase() == null ? "absent" : "'" + limit(request.phase()) + "'")));
	}

	/**
	 * Reactor Netty reads a connection nobody receives from only on demand: the TLS handshake, which comes before
	 * RSocket receives anything, needs it to read on its own.
	 */
	private static Connection reading(Connection c) {
		c.channel().config().setAutoRead(true);
		return c;
	}

	private static String limit(String s) {
		return s.length() > 32 ? s.substring(0, 32) + "..." : s;
	}

	/** A {@code "connect"} answered, waiting for its {@code "sync"}: one slot of {@link #MAX_ANSWERING}. */
	private final class Pending {

		final InetSocketAddress remote;
		volatile InetSocketAddress local;
		volatile InetSocketAddress stunServer;
		volatile Disposable expiry = Disposables.disposed();
		private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

		Pending(InetSocketAddress remote) {
			this.remote = remote;
		}

		void release() {
			if (released.compareAndSet(false, true)) {
				expiry.dispose();
				answers.decrementAndGet();
			}
		}
	}

	/**
	 * @return the mapped address a punch message names
	 * @throws InvalidRequestException naming the field, if it names none or a wrong one
	 */
	static InetSocketAddress mapped(Wire.Punch punch, String what) {
		byte[] ip = punch.ip();
		if (ip == null || ip.length != 4 && ip.length != 16) {
			throw new InvalidRequestException(what + ": field 'ip' must be 4 or 16 bytes, was "
					+ (ip == null ? "absent" : ip.length + " bytes"));
		}
		Integer port = punch.port();
		if (port == null || port < 1 || port > 65535) {
			throw new InvalidRequestException(what + ": field 'port' must be 1 to 65535, was " + port);
		}
		InetAddress address;
		try {
			address = InetAddress.getByAddress(ip);
		}
		catch (UnknownHostException e) {
			throw new InvalidRequestException(what + ": field 'ip': " + e.getMessage());
		}
		if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
			throw new InvalidRequestException(what + ": field 'ip' must be a unicast address, was "
					+ address.getHostAddress());
		}
		return new InetSocketAddress(address, port);
	}

	/** A TCP mapping, and the server that saw it. */
	private record Mapped(InetSocketAddress address, InetSocketAddress server) {
	}

	/**
	 * Learns the TCP mapping of {@code local}: asks each STUN server in turn, over a TCP connection from that port,
	 * until one answers.
	 *
	 * @return the mapping of the first server that answers; fails with {@link PeerUnreachableException} naming each
	 *     server and why it gave none, if none did
	 */
	private Mono<Mapped> mappedAddress(InetSocketAddress local) {
		return Mono.defer(() -> {
			List<String> failures = new ArrayList<>();
			return Flux.fromIterable(stunServers)
					.concatMap(server -> TcpHolePunch.mappedAddress(local, server, timeout)
							.map(mapped -> new Mapped(mapped, server))
							.onErrorResume(e -> {
								failures.add(IpLiterals.toString(server) + ": " + (e.getMessage() == null
										? e.getClass().getSimpleName() : e.getMessage()));
								return Mono.empty();
							}), 1)
					.next()
					.switchIfEmpty(Mono.error(() -> new PeerUnreachableException("no STUN server gave a TCP mapping "
							+ "for " + IpLiterals.toString(local) + ": " + String.join("; ", failures))));
		});
	}

	private Mono<Wire.Punch> request(RSocketPeerConnection relayed, Wire.Punch punch) {
		return Mono.defer(() -> relayed.rsocket().requestResponse(codec.request(Route.PUNCH, punch)))
				.map(p -> PayloadCodec.decode(codec.receive(p).data(), Wire.Punch.class, w -> w,
						Route.PUNCH + " response from " + relayed.remote()))
				.switchIfEmpty(Mono.error(() -> new PeerUnreachableException(relayed.remote()
						+ " sent no punch response")))
				// a connect's answer waits for the other end's mapping, from as many servers as it may have to ask
				.timeout(CONNECT.equals(punch.phase()) ? timeout.multipliedBy(CONNECT_WAIT) : timeout.plus(timeout));
	}

	/** @return the round trip of one {@code hello} over {@code relayed} */
	private Mono<Duration> roundTrip(RSocketPeerConnection relayed) {
		return Mono.defer(() -> {
			long sent = System.nanoTime();
			return relayed.rsocket().requestResponse(codec.request(Route.HELLO, null))
					.doOnNext(Payload::release)
					.then(Mono.fromSupplier(() -> since(sent)));
		}).timeout(timeout);
	}

	/** @return a port of the wildcard address that was free a moment ago, to punch from */
	private static InetSocketAddress localPort() throws java.io.IOException {
		try (ServerSocket free = new ServerSocket(0)) {
			return new InetSocketAddress("0.0.0.0", free.getLocalPort());
		}
	}

	private Outcome record(Outcome o) {
		last.put(o.peer(), o);
		if (o.succeeded()) {
			log.debug("hole punching with {}: {}", o.peer(), o);
		}
		else {
			log.debug("hole punching with {} failed: {}", o.peer(), o.failure());
		}
		try {
			// emitted from several event loops at once: retry briefly rather than drop an outcome
			outcomes.emitNext(o, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
		}
		catch (RuntimeException e) {
			log.debug("could not tell the outcome {}", o, e);
		}
		return o;
	}

	private static Duration since(long start) {
		return Duration.ofNanos(System.nanoTime() - start);
	}

	@Override
	public void dispose() {
		tasks.dispose();
		answering.values().forEach(Pending::release);
		answering.clear();
		outcomes.tryEmitComplete();
	}

	@Override
	public boolean isDisposed() {
		return tasks.isDisposed();
	}

	@Override
	public String toString() {
		return "HolePunchUpgrade[direct=" + direct.keySet() + ", answering=" + answers.get() + "]";
	}
}
