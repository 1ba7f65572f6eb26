package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.ByteBuf;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A loopback TCP proxy that can be frozen: it then drops every byte in both directions without closing anything, as a
 * peer that vanished from the network would look. Bytes pass through untouched, TLS included.
 */
final class FreezableProxy implements AutoCloseable {

	private final AtomicBoolean frozen = new AtomicBoolean();
	private final DisposableServer server;

	FreezableProxy(InetSocketAddress target) {
		server = TcpServer.create().host("127.0.0.1").port(0)
				.handle((in, out) -> TcpClient.newConnection().remoteAddress(() -> target).connect()
						.flatMap(upstream -> Mono.when(
								upstream.outbound().send(forward(in.receive())).then(),
								out.send(forward(upstream.inbound().receive())).then())
								.doFinally(s -> upstream.dispose())))
				.bindNow();
	}

	/** @return where clients connect to reach the target through this proxy */
	InetSocketAddress address() {
		return (InetSocketAddress) server.address();
	}

	/** Stops forwarding, silently, in both directions. */
	void freeze() {
		frozen.set(true);
	}

	@Override
	public void close() {
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
