// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.PeerUnreachableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.netty.Connection;
import reactor.netty.udp.UdpClient;

/**
 * One UDP socket connected to the gateway's PCP/NAT-PMP port, doing one request at a time: it sends the request,
 * retransmits it on a {@link Retransmission} schedule, and emits the first datagram the decoder reads as its answer.
 * Being connected, the socket sees only the gateway's datagrams, and an ICMP port unreachable (no server on that port)
 * fails the request at once instead of after every retransmission. A datagram the decoder calls not an answer
 * ({@code null}) is dropped and counted; one it cannot read fails the request with its {@link GatewayFormatException}.
 * Datagrams over {@code maxSize} bytes are dropped as such.
 */
final class GatewayUdp {

	private static final Logger LOG = LoggerFactory.getLogger(GatewayUdp.class);

	private final Connection connection;

	private final String protocol;

	private final Scheduler timer;

	private final AtomicReference<Pending<?>> pending = new AtomicReference<>();

	private final AtomicLong dropped = new AtomicLong();

	private GatewayUdp(Connection connection, String protocol, Scheduler timer) {
		this.connection = connection;
		this.protocol = protocol;
		this.timer = timer;
	}

	private record Pending<T>(Function<ByteBuffer, T> decoder, MonoSink<T> sink) {
	}

	/**
	 * Connects a UDP socket to {@code gateway}.
	 *
	 * @param protocol for messages: {@code PCP} or {@code NAT-PMP}
	 * @param maxSize the largest datagram read
	 */
	static Mono<GatewayUdp> connect(InetSocketAddress gateway, String protocol, int maxSize, Scheduler timer) {
		Objects.requireNonNull(gateway, "gateway");
		AtomicReference<GatewayUdp> self = new AtomicReference<>();
		return UdpClient.create()
				.remoteAddress(() -> gateway)
				.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxSize + 1))
				.handle((in, out) -> in.receiveObject()
						.doOnNext(message -> {
							GatewayUdp client = self.get();
							if (client == null) {
								return; // nothing asked yet
							}
							if (message instanceof DatagramPacket packet) {
								client.received(packet.content().nioBuffer(), maxSize);
							}
							else if (message instanceof ByteBuf buf) {
								client.received(buf.nioBuffer(), maxSize);
							}
						})
						.doOnError(e -> {
							GatewayUdp client = self.get();
							if (client != null) {
								client.failPending(new PeerUnreachableException("No " + protocol + " server at "
										+ IpLiterals.toString(gateway) + ": " + e, e));
							}
						})
						.onErrorResume(e -> Mono.empty())
						.then())
				.connect()
				.map(connection -> {
					GatewayUdp client = new GatewayUdp(connection, protocol, timer);
					self.set(client);
					return client;
				})
				.onErrorMap(e -> !(e instanceof PeerUnreachableException), e -> new PeerUnreachableException(
						"Cannot open a UDP socket to the " + protocol + " gateway " + IpLiterals.toString(gateway)
								+ ": " + e.getMessage(), e));
	}

	/** @return this host's address towards the gateway: the connected socket's source address */
	InetAddress localAddress() {
		return ((InetSocketAddress) connection.channel().localAddress()).getAddress();
	}

	/** @return datagrams dropped: oversized or answering no request in flight */
	long dropped() {
		return dropped.get();
	}

	/**
	 * Sends {@code request} and retransmits it until {@code decoder} reads an answer.
	 *
	 * @return the answer; fails with the decoder's error, with {@link PeerUnreachableException} after the schedule
	 * or when the gateway's port is unreachable, {@link LimitExceededException} if a request is in flight already
	 */
	<T> Mono<T> exchange(byte[] request, Retransmission schedule, Function<ByteBuffer, T> decoder) {
		return Mono.create(sink -> {
			Pending<T> p = new Pending<>(decoder, sink);
			if (!pending.compareAndSet(null, p)) {
				sink.error(new LimitExceededException("A " + protocol + " request is in flight on this socket already,"
						+ " its limit is 1"));
				return;
			}
			Disposable.Swap timers = Disposables.swap();
			sink.onDispose(() -> {
				pending.compareAndSet(p, null);
				timers.dispose();
			});
			timers.update(Flux.range(0, schedule.transmissions())
					.concatMap(i -> i == 0 ? Mono.just(i) : Mono.delay(schedule.wait(i - 1), timer).thenReturn(i))
					.doOnNext(i -> send(request, sink))
					.then(Mono.delay(schedule.wait(schedule.transmissions() - 1), timer))
					.subscribe(done -> sink.error(new PeerUnreachableException("The " + protocol + " gateway "
							+ IpLiterals.toString((InetSocketAddress) connection.channel().remoteAddress())
							+ " did not answer " + schedule.transmissions() + " transmissions (first wait "
							+ schedule.initial().toMillis() + " ms)")), sink::error));
		});
	}

	/** Closes the socket; a request in flight fails. Idempotent. */
	Mono<Void> close() {
		return Mono.defer(() -> {
			failPending(new IllegalStateException("the " + protocol + " client is closed"));
			connection.dispose();
			return connection.onDispose();
		});
	}

	private void send(byte[] request, MonoSink<?> sink) {
		connection.channel().writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(future -> {
			if (!future.isSuccess()) {
				sink.error(new PeerUnreachableException("Cannot send a " + protocol + " request: " + future.cause(),
						future.cause()));
			}
		});
	}

	private void received(ByteBuffer datagram, int maxSize) {
		if (datagram.remaining() > maxSize) {
			dropped.incrementAndGet();
			LOG.debug("Dropped a {} datagram over {} bytes", protocol, maxSize);
			return;
		}
		Pending<?> p = pending.get();
		if (p == null) {
			dropped.incrementAndGet();
			return;
		}
		offer(p, datagram);
	}

	/** Signals the answer or the error, after freeing the slot: the subscriber may send the next request at once. */
	private <T> void offer(Pending<T> p, ByteBuffer datagram) {
		T answer;
		try {
			answer = p.decoder().apply(datagram);
		}
		catch (RuntimeException e) {
			if (pending.compareAndSet(p, null)) {
				p.sink().error(e);
			}
			return;
		}
		if (answer == null) {
			dropped.incrementAndGet();
		}
		else if (pending.compareAndSet(p, null)) {
			p.sink().success(answer);
		}
	}

	private void failPending(Throwable error) {
		Pending<?> p = pending.getAndSet(null);
		if (p != null) {
			p.sink().error(error);
		}
	}
}
