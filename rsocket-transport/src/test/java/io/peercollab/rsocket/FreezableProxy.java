// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.ByteBuf;
import io.peercollab.PeerAddress;
import io.peercollab.TcpAddress;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A loopback TCP proxy that can be frozen: it then drops every byte in both directions without closing anything, as a
 * peer that vanished from the network would look. It can also be cut: every connection through it is closed and new
 * ones are closed as soon as they arrive, until it is restored, as a network link that goes down and comes back would
 * look. Bytes pass through untouched, TLS included.
 */
public final class FreezableProxy implements AutoCloseable {

	private final AtomicBoolean frozen = new AtomicBoolean();
	private final AtomicBoolean cut = new AtomicBoolean();
	private final Set<Disposable> live = ConcurrentHashMap.newKeySet();
	private final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
	private final DisposableServer server;

	/**
	 * @param target where every connection is forwarded to
	 */
	public FreezableProxy(InetSocketAddress target) {
		this("127.0.0.1", target);
	}

	/**
	 * @param target where every connection is forwarded to, a {@link TcpAddress}
	 */
	public FreezableProxy(PeerAddress target) {
		this("127.0.0.1", ((TcpAddress) target).socketAddress());
	}

	/**
	 * @param host the local address the proxy listens on (on an ephemeral port)
	 * @param target where every connection is forwarded to
	 */
	public FreezableProxy(String host, InetSocketAddress target) {
		server = TcpServer.create().host(host).port(0)
				.doOnConnection(c -> {
					if (cut.get()) {
						refused.incrementAndGet();
						c.dispose();
						return;
					}
					live.add(c);
					c.onDispose(() -> live.remove(c));
				})
				.handle((in, out) -> TcpClient.newConnection().remoteAddress(() -> target).connect()
						.flatMap(upstream -> {
							live.add(upstream);
							if (cut.get()) {
								upstream.dispose();
							}
							return Mono.when(
									upstream.outbound().send(forward(in.receive())).then(),
									out.send(forward(upstream.inbound().receive())).then())
									.doFinally(s -> {
										live.remove(upstream);
										upstream.dispose();
									});
						}))
				.bindNow();
	}

	/** @return where clients connect to reach the target through this proxy */
	public InetSocketAddress address() {
		return (InetSocketAddress) server.address();
	}

	/** Stops forwarding, silently, in both directions. */
	public void freeze() {
		frozen.set(true);
	}

	/** Closes every connection through the proxy, and every new one at once, until {@link #restore()}. */
	public void cut() {
		cut.set(true);
		for (Disposable c : live) {
			c.dispose();
		}
	}

	/** @return how many connections the proxy closed on arrival while it was cut */
	public int refused() {
		return refused.get();
	}

	/** Lets new connections through again after {@link #cut()}. */
	public void restore() {
		cut.set(false);
	}

	@Override
	public void close() {
		cut();
		server.disposeNow();
	}

	private Flux<ByteBuf> forward(ByteBufFlux bytes) {
		return bytes.retain().handle((buf, sink) -> {
			if (frozen.get()) {
				buf.release();
			}
			else {
				sink.next(buf);
			}
		});
	}
}
