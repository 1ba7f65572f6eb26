// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.peercollab.IpLiterals;
import io.peercollab.PeerUnreachableException;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.tcp.TcpClient;

/**
 * The one HTTP/1.1 exchange UPnP-IGD needs (a GET of the device description, a SOAP POST), on Reactor Netty TCP with
 * Netty's HTTP codec: one connection per request, closed after the response. Bounded: the status line and headers
 * ({@value #MAX_HEADER_SIZE} bytes), the body ({@code maxBody}), and the whole exchange ({@code timeout}). Only IP
 * literals are connected to: no name is ever looked up.
 */
final class GatewayHttp {

	/** The most bytes of status line plus headers read. */
	static final int MAX_HEADER_SIZE = 8192;

	/**
	 * A response.
	 *
	 * @param status the HTTP status code
	 * @param body the body as UTF-8 text
	 * @param localAddress this host's address on the connection (what the gateway sees)
	 */
	record Reply(int status, String body, InetAddress localAddress) {
	}

	private GatewayHttp() {
	}

	/**
	 * Sends one request and reads the response.
	 *
	 * @param uri {@code http://IP-literal:port/path}
	 * @param body {@code null} for none
	 * @return the reply; fails with {@link GatewayFormatException} (field {@code body} or {@code headers}) when the
	 * response is over its limit or malformed, {@link PeerUnreachableException} when it cannot connect or the
	 * exchange takes longer than {@code timeout}
	 */
	static Mono<Reply> exchange(URI uri, HttpMethod method, Map<String, String> headers, String body, int maxBody,
			Duration timeout, Scheduler timer) {
		InetSocketAddress remote;
		try {
			remote = new InetSocketAddress(IpLiterals.parseAddress(hostOf(uri)), uri.getPort() < 0 ? 80 : uri.getPort());
		}
		catch (IllegalArgumentException e) {
			return Mono.error(new GatewayFormatException(UpnpIgdClient.PROTOCOL, "URL",
					"an http URL with an IP literal host, was " + uri));
		}
		String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
				+ (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
		// the request is written as bytes (HTTP/1.1 request text is short and fixed); only the response needs a codec
		byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
		StringBuilder head = new StringBuilder(method.name()).append(' ').append(path).append(" HTTP/1.1\r\n")
				.append("Host: ").append(IpLiterals.toString(remote)).append("\r\n")
				.append("Connection: close\r\n")
				.append("Content-Length: ").append(content.length).append("\r\n");
		headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
		byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
		byte[] request = new byte[headBytes.length + content.length];
		System.arraycopy(headBytes, 0, request, 0, headBytes.length);
		System.arraycopy(content, 0, request, headBytes.length, content.length);
		return TcpClient.create()
				.remoteAddress(() -> remote)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
				.doOnConnected(c -> c.addHandlerLast("http-decoder", new HttpResponseDecoder(4096, MAX_HEADER_SIZE, 8192))
						.addHandlerLast("http-aggregator", new HttpObjectAggregator(maxBody)))
				.connect()
				.flatMap(connection -> connection.outbound().sendByteArray(Mono.just(request)).then()
						.then(connection.inbound().receiveObject()
								.map(message -> read(message, maxBody, connection.channel().localAddress()))
								.next())
						.switchIfEmpty(Mono.error(() -> new PeerUnreachableException("The gateway "
								+ IpLiterals.toString(remote) + " closed the connection without an HTTP response")))
						.doFinally(s -> connection.dispose()))
				.timeout(timeout, Mono.error(() -> new PeerUnreachableException("The gateway "
						+ IpLiterals.toString(remote) + " did not answer " + method + " " + path + " within "
						+ timeout.toMillis() + " ms")), timer)
				.onErrorMap(e -> e instanceof TooLongFrameException || e.getClass().getSimpleName().startsWith("TooLong"),
						e -> new GatewayFormatException(UpnpIgdClient.PROTOCOL, "body",
								"at most " + maxBody + " bytes, and headers at most " + MAX_HEADER_SIZE + " bytes"))
				.onErrorMap(e -> !(e instanceof GatewayFormatException) && !(e instanceof PeerUnreachableException),
						e -> new PeerUnreachableException("HTTP " + method + " " + uri + " failed: " + e, e));
	}

	private static Reply read(Object message, int maxBody, SocketAddress local) {
		if (!(message instanceof FullHttpResponse response)) {
			throw new GatewayFormatException(UpnpIgdClient.PROTOCOL, "HTTP response", "not an HTTP response: "
					+ message.getClass().getSimpleName());
		}
		if (response.decoderResult().isFailure()) {
			Throwable cause = response.decoderResult().cause();
			if (cause instanceof TooLongFrameException) {
				throw new GatewayFormatException(UpnpIgdClient.PROTOCOL, "headers", "at most " + MAX_HEADER_SIZE
						+ " bytes of status line and headers, lines at most 4096");
			}
			throw new GatewayFormatException(UpnpIgdClient.PROTOCOL, "HTTP response", String.valueOf(cause));
		}
		if (response.content().readableBytes() > maxBody) {
			throw new GatewayFormatException(UpnpIgdClient.PROTOCOL, "body", "at most " + maxBody + " bytes, was "
					+ response.content().readableBytes());
		}
		String body = new String(ByteBufUtil.getBytes(response.content()), StandardCharsets.UTF_8);
		return new Reply(response.status().code(), body, ((InetSocketAddress) local).getAddress());
	}

	static String hostOf(URI uri) {
		String host = uri.getHost();
		if (host == null || !"http".equalsIgnoreCase(uri.getScheme())) {
			throw new IllegalArgumentException("not an http URL with a host: " + uri);
		}
		return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
	}
}
