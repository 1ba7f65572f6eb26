package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLSession;

import io.netty.handler.ssl.SslHandler;
import io.rsocket.Closeable;
import io.rsocket.transport.ServerTransport;
import io.rsocket.transport.netty.RSocketLengthCodec;
import io.rsocket.transport.netty.TcpDuplexConnection;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.util.context.Context;

/**
 * RSocket's TCP server transport, plus one thing the stock one cannot do: it hands the connection's TLS session to
 * the {@code SocketAcceptor}, in the Reactor {@link Context} under {@link #SSL_SESSION}, so that the acceptor learns
 * the caller's name from the certificate the handshake verified, and from nothing the caller sends.
 *
 * <p>Reactor Netty calls {@code doOnConnection} after the TLS handshake completed, so the session is final there.
 */
final class SecureServerTransport implements ServerTransport<SecureServerTransport.ServerChannel> {

	/** The context key of the connection's {@link SSLSession}. */
	static final Object SSL_SESSION = new Object() {
		@Override
		public String toString() {
			return "peercollab.sslSession";
		}
	};

	private final TcpServer server;
	private final int maxFrameLength;

	SecureServerTransport(TcpServer server, int maxFrameLength) {
		this.server = server;
		this.maxFrameLength = maxFrameLength;
	}

	@Override
	public int maxFrameLength() {
		return maxFrameLength;
	}

	@Override
	public Mono<ServerChannel> start(ConnectionAcceptor acceptor) {
		return server.doOnConnection(c -> {
			SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
			c.addHandlerLast(new RSocketLengthCodec(maxFrameLength));
			c.addHandlerLast(OversizedFrameGuard.INSTANCE);
			Context context = ssl == null ? Context.empty() : Context.of(SSL_SESSION, ssl.engine().getSession());
			acceptor.apply(new TcpDuplexConnection("server", c))
					.then(Mono.<Void>never())
					.contextWrite(context)
					.subscribe(c.disposeSubscriber());
		}).bind().map(ServerChannel::new);
	}

	/** The listening socket, as RSocket's {@link Closeable}. */
	static final class ServerChannel implements Closeable {

		private final DisposableServer server;

		ServerChannel(DisposableServer server) {
			this.server = server;
		}

		/** @return the bound address, with the real port */
		InetSocketAddress address() {
			return (InetSocketAddress) server.address();
		}

		@Override
		public void dispose() {
			server.dispose();
		}

		@Override
		public boolean isDisposed() {
			return server.isDisposed();
		}

		@Override
		public Mono<Void> onClose() {
			return server.onDispose();
		}
	}
}
