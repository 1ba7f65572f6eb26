// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import io.rsocket.plugins.InterceptorRegistry;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * What a user of {@link io.peercollab.rsocket.RSocketPeerTransport} added to its Reactor Netty server and client and
 * to its RSocket server and connector, each applied after the library's own configuration. Not API.
 *
 * @param server applied to the {@link TcpServer} of the binding
 * @param client applied to the {@link TcpClient} of every TLS connection the binding opens (not to the plain TCP
 * connect of a probe)
 * @param interceptors applied to the {@link InterceptorRegistry} of the RSocket server and of every connector
 */
public record Customizers(UnaryOperator<TcpServer> server, UnaryOperator<TcpClient> client,
		Consumer<InterceptorRegistry> interceptors) {

	/** Nothing added. */
	public static final Customizers NONE = new Customizers(UnaryOperator.identity(), UnaryOperator.identity(), r -> {
	});

	/** @throws NullPointerException if a value is {@code null} */
	public Customizers {
		Objects.requireNonNull(server, "server");
		Objects.requireNonNull(client, "client");
		Objects.requireNonNull(interceptors, "interceptors");
	}

	/** @return a copy that applies {@code more} after what is applied to the server now */
	public Customizers andServer(UnaryOperator<TcpServer> more) {
		Objects.requireNonNull(more, "customizer");
		UnaryOperator<TcpServer> before = server;
		return new Customizers(s -> Objects.requireNonNull(more.apply(before.apply(s)),
				"a TcpServer customizer returned null"), client, interceptors);
	}

	/** @return a copy that applies {@code more} after what is applied to the client now */
	public Customizers andClient(UnaryOperator<TcpClient> more) {
		Objects.requireNonNull(more, "customizer");
		UnaryOperator<TcpClient> before = client;
		return new Customizers(server, c -> Objects.requireNonNull(more.apply(before.apply(c)),
				"a TcpClient customizer returned null"), interceptors);
	}

	/** @return a copy that applies {@code more} after what is applied to the interceptor registries now */
	public Customizers andInterceptors(Consumer<InterceptorRegistry> more) {
		Objects.requireNonNull(more, "interceptors");
		return new Customizers(server, client, interceptors.andThen(more));
	}
}
