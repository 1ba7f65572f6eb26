// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;

import javax.net.ssl.SSLSession;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.rsocket.Closeable;
import io.rsocket.transport.ServerTransport;
import io.rsocket.transport.netty.RSocketLengthCodec;
import io.rsocket.transport.netty.TcpDuplexConnection;
import reactor.core.Disposable;
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
	/** RSocket's acceptor, once started: relayed connections are handed to it as accepted ones are. */
	private volatile ConnectionAcceptor acceptor;

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
		this.acceptor = acceptor;
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
		if (c.channel().pipeline().get(RSocketLengthCodec.class) == null) {
			c.addHandlerLast(new RSocketLengthCodec(maxFrameLength));
			c.addHandlerLast(OversizedFrameGuard.INSTANCE);
		}
		Context context = ssl == null ? Context.of(CONNECTION, inbound)
				: Context.of(SSL_SESSION, ssl.engine().getSession(), CONNECTION, inbound);
		// not c.disposeSubscriber(): on Reactor Netty's ChannelOperations that is the operations themselves, which take
		// one subscription in their life and cancel any later one at once; a connection accepted by a TcpServer with a
		// handler (as hole punching's listening socket had) has given it away, and RSocket then never read its SETUP
		Disposable serving = acceptor.apply(new TcpDuplexConnection("server", c))
				.then(Mono.<Void>never())
				.contextWrite(context)
				.subscribe(null, e -> c.dispose());
		c.onDispose(serving);
	}

	/**
	 * Serves a connection relayed by a TURN server as if it had been accepted here: admitted under the peer's
	 * address as the relay saw it (the same limits), then the TLS server handshake on the relayed byte stream (so the
	 * relay sees only ciphertext), then RSocket. Called on the data connection's event loop, right after the
	 * ConnectionBind, before any relayed byte is read.
	 *
	 * @param data the bound data connection
	 * @param peer the peer's address at the relay
	 * @param tls the server's TLS context
	 * @param handshakeTimeout the bound on the handshake (timeToFirstStream closes it earlier)
	 */
	void serveRelayed(Connection data, InetSocketAddress peer, SslContext tls, java.time.Duration handshakeTimeout) {
		serveOver(data, peer, tls, handshakeTimeout, RELAYED_TLS);
	}

	/**
	 * Serves this end of a hole-punched TCP connection ({@code HolePunchUpgrade}) as an inbound one: the same
	 * admission, TLS server handshake and RSocket as {@link #serveRelayed}, and its path is
	 * {@link io.peercollab.ConnectionPath#HOLE_PUNCHED} ({@link ConnectionPaths#accepted}). Called on the
	 * connection's event loop before any byte is read.
	 *
	 * @param data the punched connection
	 * @param peer the peer's address
	 * @param tls the server's TLS context
	 * @param handshakeTimeout the bound on the handshake (timeToFirstStream closes it earlier)
	 */
	void servePunched(Connection data, InetSocketAddress peer, SslContext tls, java.time.Duration handshakeTimeout) {
		serveOver(data, peer, tls, handshakeTimeout, PUNCHED_TLS);
	}

	/** Admits {@code data}, then runs the TLS server handshake under the handler name {@code tlsName}, then RSocket. */
	private void serveOver(Connection data, InetSocketAddress peer, SslContext tls, java.time.Duration handshakeTimeout,
			String tlsName) {
		ConnectionAcceptor a = acceptor;
		if (a == null) {
			data.dispose();
			return;
		}
		connections.admit(data.channel(), peer);
		if (data.channel().attr(InboundConnections.CONNECTION).get() == null) {
			return; // refused, and closing
		}
		SslHandler ssl = tls.newHandler(data.channel().alloc());
		ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
		data.addHandlerLast(tlsName, ssl);
		// framed from the start: the client's first frames can come in the same read as its last handshake message,
		// and are decoded before the handshake's listener runs
		data.addHandlerLast(new RSocketLengthCodec(maxFrameLength));
		data.addHandlerLast(OversizedFrameGuard.INSTANCE);
		ssl.handshakeFuture().addListener(f -> {
			if (f.isSuccess()) {
				serve(data, a);
			}
			else {
				data.dispose();
			}
		});
	}

	/** The name of the TLS handler on a relayed connection. */
	static final String RELAYED_TLS = "peercollab.relayedTls";

	/** The name of the TLS handler on this end of a hole-punched connection. */
	static final String PUNCHED_TLS = "peercollab.punchedTls";

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
