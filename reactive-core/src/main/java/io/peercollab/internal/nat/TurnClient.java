// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerUnreachableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

/**
 * One TCP relay allocation at a TURN server (RFC 8656 over a TCP control connection, with the TCP relaying of RFC
 * 6062): it allocates a relayed transport address, keeps it alive with Refresh requests before its lifetime lapses,
 * installs permissions for the peers that may connect to it, opens outbound connections through it (Connect, then
 * ConnectionBind on a new data connection) and accepts inbound ones (a ConnectionAttempt indication, then a data
 * connection and ConnectionBind). Once bound, a data connection is a raw byte pipe to the peer: what the caller
 * installs on it (TLS, here) runs end to end, and the relay only forwards.
 *
 * <p>Authentication is the long-term credential mechanism: the first Allocate is sent without credentials, the 401
 * response brings REALM and NONCE, and every later request carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; a 438
 * (Stale Nonce) answer is retried once with the new nonce. Success responses that carry MESSAGE-INTEGRITY are checked.
 *
 * <p>Bounded: control messages over {@link StunMessage#MAX_SIZE} bytes close the allocation with
 * {@link PayloadTooLargeException}; malformed ones are dropped and counted ({@link #dropped()}); at most
 * {@link #MAX_PENDING} requests are in flight, {@link #MAX_BINDING} inbound data connections are being bound at
 * once (further ConnectionAttempts are left unanswered, and the server drops them after 30 s), and
 * {@link #MAX_PERMISSIONS} peers are permitted. Every request fails after the timeout given to
 * {@link #allocate}. Thread-safe; subscribers are signalled on Netty event loops or on the timer, never under a lock.
 */
public final class TurnClient {

	private static final Logger LOG = LoggerFactory.getLogger(TurnClient.class);

	/** The most requests in flight on the control connection. */
	public static final int MAX_PENDING = 32;

	/** The most inbound data connections being bound at once. */
	public static final int MAX_BINDING = 16;

	/** The most peer addresses permitted at once. */
	public static final int MAX_PERMISSIONS = 256;

	/** How often permissions are renewed: they last 300 s at the server (RFC 8656 section 9). */
	static final Duration PERMISSION_REFRESH = Duration.ofSeconds(240);

	/** The lifetime asked for in Allocate and Refresh: the server may grant less (RFC 8656's default, 600 s). */
	static final int REQUESTED_LIFETIME = 600;

	private static final String BIND_HANDLER = "peercollab.turn.bind";

	private static final int STALE_NONCE = 438;

	/**
	 * Told of each inbound relayed connection once its ConnectionBind succeeded, on the data connection's event loop
	 * and before any relayed byte is read: it installs the handlers that read the relayed stream, which then get every
	 * byte the peer sent, those the server buffered before the bind included.
	 */
	@FunctionalInterface
	public interface InboundRelay {

		/**
		 * @param data the data connection, now a byte pipe to the peer
		 * @param peer the peer's address as the relay saw it (XOR-PEER-ADDRESS)
		 */
		void bound(Connection data, InetSocketAddress peer);
	}

	private final InetSocketAddress server;
	private final TurnCredentials credentials;
	private final Duration timeout;
	private final InboundRelay inbound;
	private final Scheduler timer;

	private final Map<String, MonoSink<StunMessage>> pending = new ConcurrentHashMap<>();
	private final Set<InetAddress> permitted = ConcurrentHashMap.newKeySet();
	private final AtomicInteger binding = new AtomicInteger();
	private final AtomicLong refreshes = new AtomicLong();
	private final AtomicLong connects = new AtomicLong();
	private final AtomicLong dropped = new AtomicLong();
	private final AtomicBoolean closed = new AtomicBoolean();
	private final Disposable.Swap refreshTask = Disposables.swap();
	private final Disposable.Swap permissionTask = Disposables.swap();
	private final Sinks.Empty<Void> onClose = Sinks.empty();

	private volatile Connection control;
	private volatile String realm;
	private volatile String nonce;
	private volatile byte[] key;
	private volatile InetSocketAddress relayed;
	private volatile InetSocketAddress mapped;
	private volatile Duration lifetime = Duration.ZERO;

	private TurnClient(InetSocketAddress server, TurnCredentials credentials, Duration timeout, InboundRelay inbound,
			Scheduler timer) {
		this.server = server;
		this.credentials = credentials;
		this.timeout = timeout;
		this.inbound = inbound;
		this.timer = timer;
	}

	/**
	 * Connects to the TURN server and allocates a TCP relay.
	 *
	 * @param server the TURN server's address (TCP); resolved
	 * @param credentials the long-term credentials
	 * @param timeout how long the TCP connect and each request may take
	 * @param inbound told of each inbound relayed connection
	 * @param timer the scheduler of the refresh and request timers (a virtual-time one in tests)
	 * @return the allocation; fails with {@link TurnException.CredentialsRefused} if the server refuses the
	 * credentials, {@link TurnException} on another error response (442: the server does not relay TCP),
	 * {@link PeerUnreachableException} if the server cannot be reached or does not answer within {@code timeout}, and
	 * {@link StunFormatException} (an {@link io.peercollab.InvalidRequestException}) naming the field if its answer is
	 * malformed
	 */
	public static Mono<TurnClient> allocate(InetSocketAddress server, TurnCredentials credentials, Duration timeout,
			InboundRelay inbound, Scheduler timer) {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(credentials, "credentials");
		Objects.requireNonNull(timeout, "timeout");
		Objects.requireNonNull(inbound, "inbound");
		Objects.requireNonNull(timer, "timer");
		if (server.isUnresolved()) {
			return Mono.error(new IllegalArgumentException("the TURN server's address must be resolved: " + server));
		}
		return Mono.defer(() -> {
			TurnClient client = new TurnClient(server, credentials, timeout, inbound, timer);
			return client.openControl()
					.then(client.allocateRelay())
					.thenReturn(client)
					.doOnError(e -> client.dispose())
					.doOnCancel(client::dispose);
		});
	}

	/** @return the relayed transport address: where peers connect to reach this allocation's owner */
	public InetSocketAddress relayedAddress() {
		return relayed;
	}

	/** @return this client's address as the server saw it (XOR-MAPPED-ADDRESS), or {@code null} if it sent none */
	public InetSocketAddress mappedAddress() {
		return mapped;
	}

	/** @return the TURN server's address */
	public InetSocketAddress server() {
		return server;
	}

	/** @return the lifetime the server granted at the last Allocate or Refresh */
	public Duration lifetime() {
		return lifetime;
	}

	/** @return how many Refresh requests succeeded */
	public long refreshes() {
		return refreshes.get();
	}

	/** @return how many outbound connections {@link #connect} opened through the relay */
	public long connects() {
		return connects.get();
	}

	/** @return how many control messages were dropped as malformed or unexpected */
	public long dropped() {
		return dropped.get();
	}

	/** @return the peers permitted now */
	public Set<InetAddress> permitted() {
		return Set.copyOf(permitted);
	}

	/** @return completes when the allocation is gone: closed here, its refresh failed, or the server closed */
	public Mono<Void> onClose() {
		return onClose.asMono();
	}

	/** @return whether the allocation is gone */
	public boolean isClosed() {
		return closed.get();
	}

	/**
	 * Installs (and from then on renews, every {@link #PERMISSION_REFRESH}) a permission for {@code peer}: the relay
	 * accepts TCP connections only from permitted IP addresses (RFC 6062 section 5.3).
	 *
	 * @return completes once the server installed it; fails with {@link LimitExceededException} beyond
	 * {@link #MAX_PERMISSIONS}, or as a request does
	 */
	public Mono<Void> permit(InetAddress peer) {
		Objects.requireNonNull(peer, "peer");
		return Mono.defer(() -> {
			if (!permitted.contains(peer) && permitted.size() >= MAX_PERMISSIONS) {
				return Mono.error(new LimitExceededException("A TURN allocation permits at most " + MAX_PERMISSIONS
						+ " peers"));
			}
			return createPermission(peer).doOnSuccess(v -> permitted.add(peer));
		});
	}

	private Mono<Void> createPermission(InetAddress peer) {
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.XOR_PEER_ADDRESS, new InetSocketAddress(peer, 0));
		return authenticated(StunMessage.CREATE_PERMISSION, attributes, "CreatePermission for "
				+ IpLiterals.toString(peer), 0).then();
	}

	/**
	 * Opens a TCP connection from the relay to {@code peer} (RFC 6062 section 4.3): permits the peer, sends Connect,
	 * opens a data connection to the server and binds it. {@code install} runs on the data connection's event loop
	 * once it is bound, before any relayed byte is read.
	 *
	 * @return the data connection, a byte pipe to the peer; fails with {@link PeerUnreachableException} if the relay
	 * could not connect to the peer (447) or the server did not answer, or as a request does
	 */
	public Mono<Connection> connect(InetSocketAddress peer, Consumer<Connection> install) {
		Objects.requireNonNull(peer, "peer");
		Objects.requireNonNull(install, "install");
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.XOR_PEER_ADDRESS, peer);
		return permit(peer.getAddress())
				.then(authenticated(StunMessage.CONNECT, attributes, "Connect to " + IpLiterals.toString(peer), 0))
				.map(response -> response.integer(StunMessage.CONNECTION_ID).orElseThrow(() -> new StunFormatException(
						"CONNECTION-ID", "the Connect success response from " + IpLiterals.toString(server)
								+ " has none")))
				.flatMap(id -> bind(id, peer, install, 0))
				.doOnNext(data -> connects.incrementAndGet());
	}

	/**
	 * Deallocates (a Refresh with lifetime 0, waited for at most the request timeout) and closes the control
	 * connection. Idempotent.
	 *
	 * @return completes when the control connection is closed
	 */
	public Mono<Void> close() {
		return Mono.defer(() -> {
			if (closed.get() || control == null) {
				dispose();
				return onClose();
			}
			Map<Integer, Object> attributes = new LinkedHashMap<>();
			attributes.put(StunMessage.LIFETIME, 0);
			refreshTask.dispose();
			permissionTask.dispose();
			return authenticated(StunMessage.REFRESH, attributes, "Refresh (deallocate)", 0)
					.then()
					.onErrorResume(e -> {
						LOG.debug("Deallocating at {} failed: {}", IpLiterals.toString(server), e.toString());
						return Mono.empty();
					})
					.then(Mono.fromRunnable(this::dispose))
					.then(onClose());
		});
	}

	/** Closes the control connection at once, without deallocating (the allocation then times out). Idempotent. */
	public void dispose() {
		if (!closed.compareAndSet(false, true)) {
			return;
		}
		refreshTask.dispose();
		permissionTask.dispose();
		Connection c = control;
		if (c != null) {
			c.dispose();
		}
		failPending(new PeerUnreachableException("The TURN allocation at " + IpLiterals.toString(server)
				+ " is closed"));
		onClose.tryEmitEmpty();
	}

	private Mono<Void> openControl() {
		return TcpClient.newConnection()
				.remoteAddress(() -> server)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
				.connect()
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerUnreachableException(
						"Cannot connect to the TURN server " + IpLiterals.toString(server) + ": " + e.getMessage(), e))
				.doOnNext(c -> {
					// STUN over TCP frames itself: a 20-byte header whose bytes 2-3 count the rest
					c.addHandlerLast("peercollab.turn.frames", new LengthFieldBasedFrameDecoder(StunMessage.MAX_SIZE,
							2, 2, StunMessage.HEADER_SIZE - 4, 0, true));
					control = c;
					if (closed.get()) {
						c.dispose();
						return;
					}
					c.inbound().receive().subscribe(this::received, this::controlFailed, this::controlClosed);
					c.onDispose(this::controlClosed);
				})
				.then();
	}

	private Mono<Void> allocateRelay() {
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.REQUESTED_TRANSPORT, StunMessage.TRANSPORT_TCP);
		attributes.put(StunMessage.LIFETIME, REQUESTED_LIFETIME);
		return transact(StunMessage.request(StunMessage.ALLOCATE, attributes), null, "Allocate")
				.flatMap(first -> {
					if (first.type() == StunMessage.success(StunMessage.ALLOCATE)) {
						return Mono.just(first); // a server that asks for no credentials
					}
					int code = code(first);
					if (code != 401) {
						return Mono.error(refusal("Allocate", first));
					}
					learnNonce(first);
					return authenticated(StunMessage.ALLOCATE, attributes, "Allocate", 0);
				})
				.doOnNext(response -> {
					relayed = response.address(StunMessage.XOR_RELAYED_ADDRESS).orElseThrow(() ->
							new StunFormatException("XOR-RELAYED-ADDRESS", "the Allocate success response from "
									+ IpLiterals.toString(server) + " has none"));
					mapped = response.address(StunMessage.XOR_MAPPED_ADDRESS).orElse(null);
					lifetime = lifetimeOf(response);
					scheduleRefresh();
					permissionTask.update(Flux.interval(PERMISSION_REFRESH, timer)
							.concatMap(t -> Flux.fromIterable(List.copyOf(permitted))
									.concatMap(p -> createPermission(p).onErrorResume(e -> {
										LOG.debug("Renewing the permission for {} failed: {}", p, e.toString());
										return Mono.empty();
									})))
							.subscribe());
					LOG.debug("Allocated {} at {} for {} s", relayed, server, lifetime.toSeconds());
				})
				.then();
	}

	private Duration lifetimeOf(StunMessage response) {
		int seconds = response.integer(StunMessage.LIFETIME).orElse(REQUESTED_LIFETIME);
		if (seconds < 1) {
			// unsigned beyond 2^31 or 0: neither is a lifetime to schedule by; 0 only answers a deallocation
			throw new StunFormatException("LIFETIME", "must be from 1 to 2147483647 seconds in a success response, "
					+ "was " + Integer.toUnsignedString(seconds));
		}
		return Duration.ofSeconds(seconds);
	}

	/** Refreshes halfway through a short lifetime, a minute before the end of a long one. */
	static Duration refreshDelay(Duration lifetime) {
		Duration half = lifetime.dividedBy(2);
		Duration minuteBefore = lifetime.minusSeconds(60);
		return minuteBefore.compareTo(half) > 0 ? minuteBefore : half;
	}

	private void scheduleRefresh() {
		if (closed.get()) {
			return;
		}
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.LIFETIME, REQUESTED_LIFETIME);
		refreshTask.update(Mono.delay(refreshDelay(lifetime), timer)
				.flatMap(t -> authenticated(StunMessage.REFRESH, attributes, "Refresh", 0))
				.subscribe(response -> {
					lifetime = lifetimeOf(response);
					refreshes.incrementAndGet();
					scheduleRefresh();
				}, e -> {
					LOG.warn("The TURN allocation {} at {} could not be refreshed and is closed: {}", relayed,
							IpLiterals.toString(server), e.toString());
					dispose();
				}));
	}

	/** Sends a request with the credentials; retries once with the server's new nonce on 438 (Stale Nonce). */
	private Mono<StunMessage> authenticated(int type, Map<Integer, Object> attributes, String what, int attempt) {
		return Mono.defer(() -> {
			StunMessage request = StunMessage.request(type, withCredentials(attributes));
			return transact(request, key, what);
		}).flatMap(response -> {
			if (response.type() == StunMessage.success(type)) {
				return Mono.just(response);
			}
			int code = code(response);
			if ((code == STALE_NONCE || code == 401) && attempt == 0 && response.text(StunMessage.NONCE).isPresent()
					&& !response.text(StunMessage.NONCE).get().equals(nonce)) {
				// a new nonce: the old one expired (438), or a server restart forgot it (401)
				learnNonce(response);
				return authenticated(type, attributes, what, attempt + 1);
			}
			return Mono.error(refusal(what, response));
		});
	}

	private Map<Integer, Object> withCredentials(Map<Integer, Object> attributes) {
		Map<Integer, Object> all = new LinkedHashMap<>(attributes);
		if (realm == null) {
			return all; // a server that allocated without a challenge: nothing to authenticate with
		}
		all.put(StunMessage.USERNAME, credentials.username());
		all.put(StunMessage.REALM, realm);
		all.put(StunMessage.NONCE, nonce);
		return all;
	}

	private void learnNonce(StunMessage response) {
		String newNonce = response.text(StunMessage.NONCE).orElseThrow(() -> new StunFormatException("NONCE",
				"the " + code(response) + " response from " + IpLiterals.toString(server) + " has none"));
		String newRealm = response.text(StunMessage.REALM).orElse(realm);
		if (newRealm == null) {
			throw new StunFormatException("REALM", "the " + code(response) + " response from "
					+ IpLiterals.toString(server) + " has none");
		}
		if (!newRealm.equals(realm)) {
			key = StunMessage.longTermKey(credentials.username(), newRealm, credentials.password());
			realm = newRealm;
		}
		nonce = newNonce;
	}

	private static int code(StunMessage response) {
		return response.errorCode().map(StunMessage.ErrorCode::code).orElse(0);
	}

	private PeerCollabException refusal(String what, StunMessage response) {
		int code = code(response);
		String reason = response.errorCode().map(StunMessage.ErrorCode::reason).orElse("");
		String message = "The TURN server " + IpLiterals.toString(server) + " refused " + what + ": "
				+ (code == 0 ? "an error response without ERROR-CODE" : "error " + code + " " + reason);
		return switch (code) {
			case 401, 441 -> new TurnException.CredentialsRefused(message + " (user " + credentials.username()
					+ ")", code);
			case 442 -> new TurnException(message + " (it does not relay TCP: RFC 6062 is off)", code);
			case 403, 447 -> new PeerUnreachableException(message);
			default -> new TurnException(message, code);
		};
	}

	/** One request on the control connection; emits the success or error response with its transaction id. */
	private Mono<StunMessage> transact(StunMessage request, byte[] integrityKey, String what) {
		return Mono.<StunMessage>create(sink -> {
			Connection c = control;
			if (closed.get() || c == null) {
				sink.error(new PeerUnreachableException("The TURN allocation at " + IpLiterals.toString(server)
						+ " is closed"));
				return;
			}
			if (pending.size() >= MAX_PENDING) {
				sink.error(new LimitExceededException("The TURN client has " + MAX_PENDING
						+ " requests in flight, its limit"));
				return;
			}
			String id = request.transactionKey();
			pending.put(id, sink);
			sink.onDispose(() -> pending.remove(id, sink));
			c.channel().writeAndFlush(Unpooled.wrappedBuffer(request.encode(integrityKey, true)))
					.addListener(f -> {
						if (!f.isSuccess()) {
							sink.error(new PeerUnreachableException("Cannot send " + what + " to the TURN server "
									+ IpLiterals.toString(server) + ": " + f.cause(), f.cause()));
						}
					});
		}).timeout(timeout, Mono.error(() -> new PeerUnreachableException("The TURN server "
				+ IpLiterals.toString(server) + " did not answer " + what + " within " + timeout.toMillis() + " ms")),
				timer);
	}

	/** One control message, on the event loop: never throws. */
	private void received(ByteBuf frame) {
		byte[] bytes = ByteBufUtil.getBytes(frame);
		StunMessage message;
		try {
			message = StunMessage.decode(ByteBuffer.wrap(bytes));
		}
		catch (RuntimeException e) {
			drop(e.getMessage());
			return;
		}
		int type = message.type();
		if (type == StunMessage.CONNECTION_ATTEMPT_INDICATION) {
			attempt(message);
			return;
		}
		if ((type & 0x0110) != 0x0100 && (type & 0x0110) != 0x0110) {
			drop(String.format("a message of type 0x%04x, neither a response nor a ConnectionAttempt", type));
			return;
		}
		MonoSink<StunMessage> sink = pending.remove(message.transactionKey());
		if (sink == null) {
			drop("a response to no request in flight");
			return;
		}
		byte[] k = key;
		if ((type & 0x0110) == 0x0100 && k != null) {
			try {
				StunMessage.integrityMatches(ByteBuffer.wrap(bytes), k);
			}
			catch (StunFormatException e) {
				sink.error(e);
				return;
			}
		}
		sink.success(message);
	}

	/** A peer connected to the relayed address: bind a data connection and hand it on. */
	private void attempt(StunMessage indication) {
		Integer id = indication.integer(StunMessage.CONNECTION_ID).orElse(null);
		InetSocketAddress peer = indication.address(StunMessage.XOR_PEER_ADDRESS).orElse(null);
		if (id == null || peer == null) {
			drop("a ConnectionAttempt without " + (id == null ? "CONNECTION-ID" : "XOR-PEER-ADDRESS"));
			return;
		}
		if (binding.incrementAndGet() > MAX_BINDING) {
			binding.decrementAndGet();
			drop("a ConnectionAttempt from " + IpLiterals.toString(peer) + " while " + MAX_BINDING
					+ " are being bound, the limit");
			return;
		}
		bind(id, peer, data -> inbound.bound(data, peer), 0)
				.doFinally(s -> binding.decrementAndGet())
				.subscribe(data -> LOG.debug("Relayed connection from {} bound", peer),
						e -> LOG.debug("Binding the relayed connection from {} failed: {}", peer, e.toString()));
	}

	/** Opens a data connection, sends ConnectionBind, and hands the bound connection to {@code install}. */
	private Mono<Connection> bind(int connectionId, InetSocketAddress peer, Consumer<Connection> install, int attempt) {
		Map<Integer, Object> attributes = new LinkedHashMap<>();
		attributes.put(StunMessage.CONNECTION_ID, connectionId);
		return TcpClient.newConnection()
				.remoteAddress(() -> server)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
				.connect()
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerUnreachableException(
						"Cannot open a data connection to the TURN server " + IpLiterals.toString(server) + ": "
								+ e.getMessage(), e))
				.flatMap(data -> Mono.<Object>create(sink -> {
					StunMessage request = StunMessage.request(StunMessage.CONNECTION_BIND,
							withCredentials(attributes));
					byte[] integrityKey = key;
					sink.onCancel(data::dispose);
					Disposable watch = data.onDispose().subscribe(null, null, () -> sink.error(
							new PeerUnreachableException("The TURN server " + IpLiterals.toString(server)
									+ " closed the data connection for " + IpLiterals.toString(peer)
									+ " before binding it")));
					sink.onDispose(watch);
					data.addHandlerFirst(BIND_HANDLER, new BindHandler(bytes -> {
						StunMessage response;
						try {
							response = StunMessage.decode(ByteBuffer.wrap(bytes));
							if (!response.transactionKey().equals(request.transactionKey())) {
								throw new StunFormatException("transaction id", "the ConnectionBind response's does "
										+ "not match the request's");
							}
							if (response.type() == StunMessage.success(StunMessage.CONNECTION_BIND)
									&& integrityKey != null) {
								StunMessage.integrityMatches(ByteBuffer.wrap(bytes), integrityKey);
							}
						}
						catch (RuntimeException e) {
							data.dispose();
							sink.error(e);
							return;
						}
						if (response.type() != StunMessage.success(StunMessage.CONNECTION_BIND)) {
							data.dispose();
							sink.success(response); // an error response: decided below
							return;
						}
						try {
							install.accept(data);
						}
						catch (RuntimeException e) {
							data.dispose();
							sink.error(e);
							return;
						}
						// the bytes after the response (what the peer sent before the bind) go to what was installed
						data.removeHandler(BIND_HANDLER);
						sink.success(data);
					}, e -> {
						data.dispose();
						sink.error(e);
					}));
					// Reactor Netty reads on demand of an inbound subscriber, and nobody subscribes before the bind
					data.channel().config().setAutoRead(true);
					data.channel().writeAndFlush(Unpooled.wrappedBuffer(request.encode(integrityKey, true)))
							.addListener(f -> {
								if (!f.isSuccess()) {
									data.dispose();
									sink.error(new PeerUnreachableException("Cannot send ConnectionBind to "
											+ IpLiterals.toString(server) + ": " + f.cause(), f.cause()));
								}
							});
				}).timeout(timeout, Mono.error(() -> new PeerUnreachableException("The TURN server "
						+ IpLiterals.toString(server) + " did not answer ConnectionBind within " + timeout.toMillis()
						+ " ms")), timer).doOnError(e -> data.dispose()))
				.flatMap(result -> {
					if (result instanceof Connection data) {
						return Mono.just(data);
					}
					StunMessage response = (StunMessage) result;
					int code = code(response);
					if ((code == STALE_NONCE || code == 401) && attempt == 0
							&& response.text(StunMessage.NONCE).isPresent()) {
						learnNonce(response);
						return bind(connectionId, peer, install, attempt + 1);
					}
					return Mono.error(refusal("ConnectionBind for " + IpLiterals.toString(peer), response));
				});
	}

	private void controlFailed(Throwable e) {
		if (!closed.get()) {
			Throwable cause = e;
			if (e instanceof TooLongFrameException) {
				cause = new PayloadTooLargeException("A STUN message from the TURN server "
						+ IpLiterals.toString(server) + " must be at most " + StunMessage.MAX_SIZE + " bytes: "
						+ e.getMessage());
			}
			LOG.warn("The TURN control connection to {} failed: {}", IpLiterals.toString(server), cause.toString());
			failPending(cause instanceof PeerCollabException p ? p : new PeerUnreachableException(
					"The TURN control connection to " + IpLiterals.toString(server) + " failed: " + cause, cause));
		}
		dispose();
	}

	private void controlClosed() {
		dispose();
	}

	private void failPending(PeerCollabException e) {
		for (String id : List.copyOf(pending.keySet())) {
			MonoSink<StunMessage> sink = pending.remove(id);
			if (sink != null) {
				sink.error(e);
			}
		}
	}

	private void drop(String why) {
		dropped.incrementAndGet();
		LOG.debug("Dropped a message from the TURN server {}: {}", IpLiterals.toString(server), why);
	}

	/**
	 * Reads the one STUN message that answers ConnectionBind on a data connection, then leaves: the bytes after it
	 * belong to the relayed stream. Bounded by {@link StunMessage#MAX_SIZE}.
	 */
	private static final class BindHandler extends ByteToMessageDecoder {

		private final Consumer<byte[]> response;
		private final Consumer<Throwable> failure;
		private boolean done;

		BindHandler(Consumer<byte[]> response, Consumer<Throwable> failure) {
			this.response = response;
			this.failure = failure;
		}

		@Override
		protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
			if (done) {
				// not reached: the handler removes itself with the response; never swallow relayed bytes
				out.add(in.readRetainedSlice(in.readableBytes()));
				return;
			}
			if (in.readableBytes() < StunMessage.HEADER_SIZE) {
				return;
			}
			int total = StunMessage.HEADER_SIZE + in.getUnsignedShort(in.readerIndex() + 2);
			if (total > StunMessage.MAX_SIZE) {
				done = true;
				in.skipBytes(in.readableBytes());
				failure.accept(new PayloadTooLargeException("The ConnectionBind response must be at most "
						+ StunMessage.MAX_SIZE + " bytes, its message length says " + total));
				return;
			}
			if (in.readableBytes() < total) {
				return;
			}
			byte[] bytes = new byte[total];
			in.readBytes(bytes);
			done = true;
			response.accept(bytes);
		}
	}
}
