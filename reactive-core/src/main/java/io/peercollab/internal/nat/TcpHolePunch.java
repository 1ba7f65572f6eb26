// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.peercollab.IpLiterals;
import io.peercollab.PeerUnreachableException;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpResources;
import reactor.netty.tcp.TcpServer;
import reactor.util.retry.Retry;

/**
 * TCP hole punching by simultaneous open: both ends connect to each other's mapped address from the local port whose
 * mapping they published, at about the same moment, so that each NAT has seen an outbound SYN before the other end's
 * SYN arrives, and lets it in as part of that flow.
 *
 * <p>It works where both NATs keep one external port for a local port whatever the destination (endpoint-independent
 * mapping: "full cone" and port-preserving masquerade); it cannot work when either end is behind a NAT that picks a
 * new port per destination (symmetric), since the other end cannot know the port to aim at: relay those. It is most
 * reliable when the NATs drop an unsolicited SYN rather than answer it with a reset, as home routers do; against a
 * resetting NAT, attempts are repeated until the deadline.
 *
 * <p>The two ends learn their TCP mapping with {@link #mappedAddress} (a STUN binding over TCP, RFC 5389 section 7.2.2,
 * from the very local port they then punch from), exchange it over a connection they already have (a relayed one),
 * and call {@link #connect} with the same local port. Every socket here sets {@code SO_REUSEADDR} and
 * {@code SO_REUSEPORT}, so that the port can be listened on and dialled from at once, and taken again at once.
 *
 * <p>Implementation, not API.
 */
public final class TcpHolePunch {

	/** How long one connection attempt waits for its handshake before the next attempt. */
	static final Duration ATTEMPT = Duration.ofSeconds(2);

	/** The pause between two attempts that failed at once (a reset). */
	static final Duration PAUSE = Duration.ofMillis(50);

	private static final ChannelOption<Boolean> REUSE_PORT = NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT);

	private TcpHolePunch() {
	}

	/**
	 * Learns the address a STUN server sees for TCP connections from {@code local}: one binding request over a fresh
	 * TCP connection, closed afterwards.
	 *
	 * @param local the local address and port to connect from (port 0: any; the result then says little)
	 * @param stunServer the STUN server's TCP address
	 * @param timeout how long to wait for the connection and the answer together
	 * @return the mapped address; fails with {@link PeerUnreachableException} if there is no answer in time, or with
	 *     {@link StunFormatException} if the answer is malformed or names no mapped address
	 */
	public static Mono<InetSocketAddress> mappedAddress(InetSocketAddress local, InetSocketAddress stunServer,
			Duration timeout) {
		Objects.requireNonNull(local, "local");
		Objects.requireNonNull(stunServer, "stunServer");
		Objects.requireNonNull(timeout, "timeout");
		StunMessage request = StunMessage.bindingRequest(StunMessage.ChangeRequest.NONE);
		byte[] bytes = request.encode(true);
		return Mono.usingWhen(
				client(local, stunServer)
						// over TCP, a message is framed by its own length (bytes 2-3), which counts what follows
						// the 20-byte header: a frame is that length + 16 bytes after the length field's end
						.doOnChannelInit((observer, channel, remote) -> channel.pipeline().addFirst(
								new LengthFieldBasedFrameDecoder(StunMessage.MAX_SIZE, 2, 2,
										StunMessage.HEADER_SIZE - 4, 0)))
						.connect(),
				connection -> connection.outbound().sendByteArray(Mono.just(bytes)).then()
						.then(connection.inbound().receive().asByteArray().next())
						.map(answer -> {
							StunMessage response = StunMessage.decode(ByteBuffer.wrap(answer));
							if (!Arrays.equals(response.transactionId(), request.transactionId())) {
								throw new StunFormatException("transaction ID", "the answer is not to our request");
							}
							if (response.type() != StunMessage.BINDING_SUCCESS) {
								throw new StunFormatException("message type", "expected a binding success (0x0101), "
										+ "was 0x" + Integer.toHexString(response.type()));
							}
							return response.mappedAddress().orElseThrow(() -> new StunFormatException(
									"XOR-MAPPED-ADDRESS", "the binding success names no mapped address"));
						}),
				connection -> Mono.fromRunnable(connection::dispose))
				.timeout(timeout, Mono.error(() -> new PeerUnreachableException("STUN server "
						+ IpLiterals.toString(stunServer) + " gave no TCP mapping for "
						+ IpLiterals.toString(local) + " within " + timeout)));
	}

	/**
	 * Opens a TCP connection between {@code local} and {@code remote} while the remote end does the same towards this
	 * end's mapped address: it listens on {@code local} and dials {@code remote} from it, again and again, until a
	 * connection is established either way or {@code deadline} has passed. The first connection wins; any other is
	 * closed, and so is the listening socket (connections it accepted stay open).
	 *
	 * <p>Listening as well as dialling is what makes it work wherever one end is reachable: against an end behind no
	 * NAT or a full cone, the other end's SYN may arrive before this end dials, from a port this end did not aim at (a
	 * symmetric NAT's), and is accepted; between two ends behind NATs that keep one port per local port, the SYNs
	 * cross and the simultaneous open completes. Only connections from {@code remote}'s IP address are accepted.
	 *
	 * @param local the local address and port whose mapping the remote end aims at
	 * @param remote the remote end's mapped address
	 * @param deadline how long to keep trying
	 * @return the established connection; fails with {@link PeerUnreachableException} naming the number of attempts
	 *     if none succeeded by the deadline
	 */
	public static Mono<Connection> connect(InetSocketAddress local, InetSocketAddress remote, Duration deadline) {
		// the first connection wins; any other that is still offered is closed
		return connections(local, remote, deadline).next();
	}

	/**
	 * As {@link #connect}, but emits every connection established with {@code remote} until the deadline, not only the
	 * first: dialling stops at the first one, listening goes on. Where neither NAT is in the way, each end's SYN may
	 * reach the other's listening socket and make two connections, and each end may see a different one first; the
	 * end that does not choose (the TLS server of a punched connection) serves every one of them, and the end that
	 * chooses takes its first and closes the others.
	 *
	 * @param local the local address and port whose mapping the remote end aims at
	 * @param remote the remote end's mapped address
	 * @param deadline how long to keep trying and listening
	 * @return the connections, completing at the deadline (or failing with {@link PeerUnreachableException}, naming
	 *     the number of attempts, if there was none); a connection offered after cancellation is closed
	 */
	public static reactor.core.publisher.Flux<Connection> connections(InetSocketAddress local,
			InetSocketAddress remote, Duration deadline) {
		Objects.requireNonNull(local, "local");
		Objects.requireNonNull(remote, "remote");
		Objects.requireNonNull(deadline, "deadline");
		TcpClient client = client(local, remote)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ATTEMPT.toMillis());
		return reactor.core.publisher.Flux.create(sink -> {
			AtomicBoolean over = new AtomicBoolean();
			AtomicInteger attempts = new AtomicInteger();
			AtomicInteger established = new AtomicInteger();
			Disposable.Composite running = Disposables.composite();
			Disposable.Swap dialling = Disposables.swap();
			Consumer<Disposable> keep = d -> {
				if (!running.add(d)) {
					d.dispose(); // over already
				}
			};
			Consumer<Connection> offer = c -> {
				synchronized (sink) {
					if (over.get() || sink.isCancelled()) {
						c.dispose();
						return;
					}
					established.incrementAndGet();
					sink.next(c);
				}
				dialling.dispose(); // one connection is enough to stop dialling
			};
			// over, whichever way: stop dialling, stop listening
			sink.onDispose(running);
			keep.accept(dialling);
			keep.accept(TcpServer.create()
					.runOn(TcpResources.get(), false)
					.bindAddress(() -> local)
					.option(ChannelOption.SO_REUSEADDR, true)
					.option(REUSE_PORT, true)
					.doOnConnection(c -> {
						InetSocketAddress from = (InetSocketAddress) c.channel().remoteAddress();
						if (from.getAddress().equals(remote.getAddress())) {
							offer.accept(c);
						}
						else {
							c.dispose();
						}
					})
					.handle((in, out) -> Mono.never())
					.bind()
					// a port that cannot be listened on still lets this end dial
					.subscribe(server -> keep.accept(server::dispose), e -> { }));
			dialling.update(Mono.defer(() -> {
						attempts.incrementAndGet();
						return client.connect();
					})
					.retryWhen(Retry.fixedDelay(Long.MAX_VALUE, PAUSE))
					.subscribe(offer::accept, e -> { }));
			keep.accept(Mono.delay(deadline).subscribe(x -> {
				synchronized (sink) {
					over.set(true);
				}
				if (established.get() > 0) {
					sink.complete();
				}
				else {
					sink.error(new PeerUnreachableException("TCP hole punching from " + IpLiterals.toString(local)
							+ " to " + IpLiterals.toString(remote) + " failed: no connection after " + attempts.get()
							+ " attempts in " + deadline + " (a NAT with a new port per destination on both sides, "
							+ "or on one side facing a NAT that filters, cannot be punched: relay instead)"));
				}
			}));
		});
	}

	/**
	 * Every socket here runs on the NIO transport, whose channels take the JDK's {@code SO_REUSEPORT}: the port is
	 * listened on and dialled from at once.
	 */
	private static TcpClient client(InetSocketAddress local, InetSocketAddress remote) {
		return TcpClient.newConnection()
				.runOn(TcpResources.get(), false)
				.bindAddress(() -> local)
				.remoteAddress(() -> remote)
				.option(ChannelOption.SO_REUSEADDR, true)
				.option(REUSE_PORT, true);
	}
}
