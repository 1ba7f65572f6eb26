// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLSession;

import io.netty.handler.ssl.SslHandler;
import io.rsocket.Closeable;
import io.rsocket.transport.ServerTransport;
import io.rsocket.transport.netty.RSocketLengthCodec;
import io.rsocket.transport.netty.TcpDuplexConnection;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
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

	/** The context key of the connection's {@link InboundConnections.Connection}. */
	static final Object CONNECTION = new Object() {
		@Override
		public String toString() {
			return "peercollab.connection";
		}
	};

	private final TcpServer server;
	private final int maxFrameLength;
	private final InboundConnections connections;

	SecureServerTransport(TcpServer server, int maxFrameLength, InboundConnections connections) {
		this.server = server;
		this.maxFrameLength = maxFrameLength;
		this.connections = connections;
	}

	@Override
	public int maxFrameLength() {
		return maxFrameLength;
	}

	@Override
	public Mono<ServerChannel> start(ConnectionAcceptor acceptor) {
		// admission runs when the connection is accepted, before the TLS handshake costs anything
		return server.doOnChannelInit((observer, channel, remote) -> connections.admit(channel, channel.remoteAddress()))
				.doOnConnection(c -> serve(c, acceptor)).bind().map(ServerChannel::new);
	}

	private void serve(Connection c, ConnectionAcceptor acceptor) {
		InboundConnections.Connection inbound = c.channel().attr(InboundConnections.CONNECTION).get();
		if (inbound == null) {
			// refused at accept, and closing
			c.dispose();
			return;
		}
		SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
		c.addHandlerLast(new RSocketLengthCodec(maxFrameLength));
		c.addHandlerLast(OversizedFrameGuard.INSTANCE);
		Context context = ssl == null ? Context.of(CONNECTION, inbound)
				: Context.of(SSL_SESSION, ssl.engine().getSession(), CONNECTION, inbound);
		acceptor.apply(new TcpDuplexConnection("server", c))
				.then(Mono.<Void>never())
				.contextWrite(context)
				.subscribe(c.disposeSubscriber());
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
