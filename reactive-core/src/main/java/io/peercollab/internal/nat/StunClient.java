// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.udp.UdpServer;

/**
 * A STUN client (RFC 5389) on one Reactor Netty UDP socket: it sends binding requests, retransmits them as section
 * 7.2.1 says, and matches the responses by transaction id, whichever address they come from (a CHANGE-REQUEST makes
 * the server answer from another one). It answers nothing and sends nothing unasked.
 *
 * <p>What strangers can make it hold is bounded: datagrams over {@link StunMessage#MAX_SIZE} bytes, malformed ones,
 * requests and indications, and responses that match no transaction in flight are dropped and counted
 * ({@link #dropped()}); they never reach a subscriber as an error. At most {@link #MAX_PENDING} transactions are in
 * flight. Transaction ids are 96 random bits from {@link java.security.SecureRandom}, so an off-path stranger cannot
 * answer for the server. Thread-safe; subscribers are signalled on the socket's event loop or a
 * timer thread ({@link Schedulers#parallel()} unless given), never under a lock.
 */
final class StunClient {

	private static final Logger LOG = LoggerFactory.getLogger(StunClient.class);

	/** The most transactions in flight at once. */
	static final int MAX_PENDING = 64;

	/**
	 * How a request is retransmitted (RFC 5389 section 7.2.1): sent at 0, RTO, 3 RTO, 7 RTO... (the wait doubles
	 * after each transmission) up to {@code transmissions} times, then given up {@code lastWait} RTOs after the last.
	 *
	 * @param rto the first retransmission timeout
	 * @param transmissions how many times the request is sent, at least 1 (RFC 5389's Rc)
	 * @param lastWait how many RTOs to wait for a response after the last transmission, at least 1 (RFC 5389's Rm)
	 */
	record Retransmission(Duration rto, int transmissions, int lastWait) {

		/** RFC 5389's recommended values: RTO 500 ms, Rc 7, Rm 16, given up after 39.5 s. */
		static final Retransmission RFC_5389 = new Retransmission(Duration.ofMillis(500), 7, 16);

		Retransmission {
			Objects.requireNonNull(rto, "rto");
			if (rto.isNegative() || rto.isZero()) {
				throw new IllegalArgumentException("rto must be positive, was " + rto);
			}
			if (transmissions < 1 || transmissions > 16) {
				throw new IllegalArgumentException("transmissions must be from 1 to 16, was " + transmissions);
			}
			if (lastWait < 1) {
				throw new IllegalArgumentException("lastWait must be at least 1, was " + lastWait);
			}
		}

		/** @return how long after the first transmission the transaction fails without a response */
		Duration timeout() {
			return rto.multipliedBy((1L << (transmissions - 1)) - 1 + lastWait);
		}
	}

	/**
	 * A response and where it came from.
	 *
	 * @param from the address the datagram came from (what a NAT's filter saw), not RESPONSE-ORIGIN's claim
	 * @param message the response
	 */
	record Response(InetSocketAddress from, StunMessage message) {
	}

	/** The server answered with an error response; {@link #code()} is its ERROR-CODE (0 if it sent none). */
	static final class StunErrorResponseException extends PeerCollabException {

		private static final long serialVersionUID = 1L;

		private final int code;

		StunErrorResponseException(InetSocketAddress server, int code, String reason) {
			super("STUN server " + IpLiterals.toString(server) + " refused the binding request: "
					+ (code == 0 ? "an error response without ERROR-CODE" : "error " + code + " " + reason));
			this.code = code;
		}

		/** @return the ERROR-CODE, 300 to 699, or 0 */
		int code() {
			return code;
		}
	}

	/** No response came before the transaction's timeout. */
	static final class StunTimeoutException extends PeerUnreachableException {

		private static final long serialVersionUID = 1L;

		StunTimeoutException(InetSocketAddress server, Retransmission retransmission) {
			super("STUN server " + IpLiterals.toString(server) + " did not answer a binding request within "
					+ retransmission.timeout().toMillis() + " ms (" + retransmission.transmissions()
					+ " transmissions, first RTO " + retransmission.rto().toMillis() + " ms)");
		}
	}

	private final Connection connection;

	private final Retransmission retransmission;

	private final Scheduler timer;

	private final Map<String, MonoSink<Response>> pending = new ConcurrentHashMap<>();

	private final AtomicLong dropped = new AtomicLong();

	private volatile boolean closed;

	private StunClient(Connection connection, Retransmission retransmission, Scheduler timer) {
		this.connection = connection;
		this.retransmission = retransmission;
		this.timer = timer;
	}

	/**
	 * Binds the socket; nothing is sent before a request.
	 *
	 * @param bind the local address and port (0: any free one); resolved
	 * @param retransmission how requests are retransmitted unless a request says otherwise
	 * @return the client, once bound; fails with {@link PeerUnreachableException} if the socket cannot be bound
	 */
	static Mono<StunClient> bind(InetSocketAddress bind, Retransmission retransmission) {
		return bind(bind, retransmission, Schedulers.parallel());
	}

	/**
	 * Binds the socket, with the retransmission timers on {@code timer} (a virtual-time scheduler in tests).
	 *
	 * @see #bind(InetSocketAddress, Retransmission)
	 */
	static Mono<StunClient> bind(InetSocketAddress bind, Retransmission retransmission, Scheduler timer) {
		Objects.requireNonNull(timer, "timer");
		Objects.requireNonNull(bind, "bind");
		Objects.requireNonNull(retransmission, "retransmission");
		if (bind.isUnresolved()) {
			return Mono.error(new IllegalArgumentException("the bind address must be resolved: " + bind));
		}
		AtomicReference<StunClient> self = new AtomicReference<>();
		AtomicLong early = new AtomicLong();
		return UdpServer.create()
				.bindAddress(() -> bind)
				// one byte over the limit, so that an oversized datagram is seen as such rather than cut to fit
				.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(StunMessage.MAX_SIZE + 1))
				.handle((in, out) -> in.receiveObject()
						.doOnNext(message -> {
							if (message instanceof DatagramPacket packet) {
								StunClient client = self.get();
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
					StunClient client = new StunClient(connection, retransmission, timer);
					client.dropped.addAndGet(early.get());
					self.set(client);
					return client;
				})
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerUnreachableException(
						"Cannot bind the STUN client's UDP socket to " + IpLiterals.toString(bind) + ": "
								+ e.getMessage(), e));
	}

	/** @return the bound UDP address */
	InetSocketAddress localAddress() {
		return (InetSocketAddress) connection.channel().localAddress();
	}

	/** @return how many datagrams were dropped: oversized, malformed, not a response, or matching no transaction */
	long dropped() {
		return dropped.get();
	}

	/**
	 * Asks a server for this socket's reflexive address.
	 *
	 * @return XOR-MAPPED-ADDRESS of the success response (MAPPED-ADDRESS from a server that sends only that); fails
	 * as {@link #binding} does, and with {@link StunFormatException} if the response carries neither
	 */
	Mono<InetSocketAddress> mappedAddress(InetSocketAddress server) {
		return binding(server, StunMessage.ChangeRequest.NONE, retransmission)
				.map(response -> response.message().mappedAddress().orElseThrow(() -> new StunFormatException(
						"XOR-MAPPED-ADDRESS", "the success response from " + IpLiterals.toString(response.from())
								+ " has neither XOR-MAPPED-ADDRESS nor MAPPED-ADDRESS")));
	}

	/**
	 * One binding transaction: sends a binding request to {@code server}, retransmits it until a response comes, and
	 * emits the success response. Cancelling stops the retransmissions.
	 *
	 * @param change the CHANGE-REQUEST to send (RFC 5780), or {@link StunMessage.ChangeRequest#NONE}
	 * @param retransmission how to retransmit this request
	 * @return the success response and where it came from; fails with {@link StunErrorResponseException} on an error
	 * response, {@link StunTimeoutException} after {@link Retransmission#timeout()}, {@link PeerUnreachableException}
	 * if the request cannot be sent, {@link LimitExceededException} if {@link #MAX_PENDING} transactions are in
	 * flight, {@link IllegalStateException} if the client is closed
	 */
	Mono<Response> binding(InetSocketAddress server, StunMessage.ChangeRequest change, Retransmission retransmission) {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(change, "change");
		Objects.requireNonNull(retransmission, "retransmission");
		return Mono.create(sink -> {
			if (closed) {
				sink.error(new IllegalStateException("the STUN client is closed"));
				return;
			}
			if (server.isUnresolved()) {
				sink.error(new IllegalArgumentException("cannot send to an unresolved address: " + server));
				return;
			}
			if (pending.size() >= MAX_PENDING) {
				sink.error(new LimitExceededException("The STUN client has " + MAX_PENDING
						+ " transactions in flight, its limit"));
				return;
			}
			StunMessage request = StunMessage.bindingRequest(change);
			String key = request.transactionKey();
			if (pending.putIfAbsent(key, sink) != null) {
				sink.error(new IllegalStateException("a transaction id repeated: " + key)); // 2^-96
				return;
			}
			byte[] bytes = request.encode(true);
			// registered before the first send, so that a response that comes at once still stops the timers
			Disposable.Swap retransmissions = Disposables.swap();
			sink.onDispose(() -> {
				pending.remove(key, sink);
				retransmissions.dispose();
			});
			retransmissions.update(Flux.range(0, retransmission.transmissions())
					.concatMap(i -> i == 0 ? Mono.just(i)
							: Mono.delay(retransmission.rto().multipliedBy(1L << (i - 1)), timer).thenReturn(i))
					.doOnNext(i -> send(server, bytes, sink))
					.then(Mono.delay(retransmission.rto().multipliedBy(retransmission.lastWait()), timer))
					.subscribe(done -> sink.error(new StunTimeoutException(server, retransmission)), sink::error));
		});
	}

	/**
	 * Closes the socket; transactions in flight fail with {@link IllegalStateException}. Idempotent.
	 *
	 * @return completes when the socket is closed
	 */
	Mono<Void> close() {
		return Mono.defer(() -> {
			closed = true;
			for (String key : List.copyOf(pending.keySet())) {
				MonoSink<Response> sink = pending.remove(key);
				if (sink != null) {
					sink.error(new IllegalStateException("the STUN client is closed"));
				}
			}
			connection.dispose();
			return connection.onDispose();
		});
	}

	private void send(InetSocketAddress to, byte[] bytes, MonoSink<?> sink) {
		connection.channel().writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to))
				.addListener(future -> {
					if (!future.isSuccess()) {
						sink.error(new PeerUnreachableException("Cannot send a STUN request to "
								+ IpLiterals.toString(to) + ": " + future.cause(), future.cause()));
					}
				});
	}

	/** Handles one datagram, on the socket's event loop: never throws. */
	private void received(DatagramPacket packet) {
		InetSocketAddress sender = packet.sender();
		StunMessage message;
		try {
			ByteBuf content = packet.content();
			message = StunMessage.decode(content.nioBuffer());
		}
		catch (RuntimeException e) {
			drop(sender, e.getMessage());
			return;
		}
		int type = message.type();
		if (type != StunMessage.BINDING_SUCCESS && type != StunMessage.BINDING_ERROR) {
			drop(sender, String.format("a message of type 0x%04x, not a binding response", type));
			return;
		}
		MonoSink<Response> sink = pending.remove(message.transactionKey());
		if (sink == null) {
			drop(sender, "a response to no transaction in flight");
			return;
		}
		if (type == StunMessage.BINDING_SUCCESS) {
			sink.success(new Response(sender, message));
		}
		else {
			StunMessage.ErrorCode error = message.errorCode().orElse(null);
			sink.error(new StunErrorResponseException(sender, error == null ? 0 : error.code(),
					error == null ? "" : error.reason()));
		}
	}

	private void drop(InetSocketAddress sender, String why) {
		dropped.incrementAndGet();
		LOG.debug("Dropped a datagram from {}: {}", sender == null ? "?" : IpLiterals.toString(sender), why);
	}
}
