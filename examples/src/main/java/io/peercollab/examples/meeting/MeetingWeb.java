// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * Meeting Space's web server: the page (plain HTML, CSS and JavaScript from resources), its WebSocket, and the
 * handout upload and download. It listens on 127.0.0.1 only, and answers 403 to any request whose {@code Host} is not
 * this server's own, or whose {@code Origin}, when there is one, is not this server's page: another site open in the
 * same browser can neither read the page nor drive it (a DNS-rebinding page brings a foreign {@code Host}; a
 * cross-site form or WebSocket brings a foreign {@code Origin}).
 */
final class MeetingWeb {

	private static final Map<String, String> FILES = Map.of(
			"/", "index.html",
			"/index.html", "index.html",
			"/meeting.css", "meeting.css",
			"/meeting.js", "meeting.js");
	private static final long MAX_UPLOAD = Meeting.MAX_HANDOUT;

	private final MeetingSpace space;
	private final DisposableServer server;

	private MeetingWeb(MeetingSpace space, int port) {
		this.space = space;
		this.server = HttpServer.create().host("127.0.0.1").port(port)
				.route(this::routes)
				.bindNow();
	}

	static MeetingWeb start(MeetingSpace space, int port) {
		return new MeetingWeb(space, port);
	}

	int port() {
		return server.port();
	}

	void dispose() {
		server.disposeNow();
	}

	private void routes(HttpServerRoutes r) {
		r.get("/ws", guarded((req, res) -> res.sendWebsocket(this::page)))
				.post("/handouts", guarded(this::upload))
				.get("/handouts/{id}", guarded(this::download))
				.route(req -> true, guarded(this::file));
	}

	/** The Host and Origin check, before anything else runs. */
	private BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> guarded(
			BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
		return (req, res) -> {
			String refusal = refusal(req.requestHeaders().get(HttpHeaderNames.HOST),
					req.requestHeaders().get(HttpHeaderNames.ORIGIN));
			if (refusal != null) {
				return res.status(HttpResponseStatus.FORBIDDEN).header(HttpHeaderNames.CONTENT_TYPE, "text/plain")
						.sendString(Mono.just(refusal + "\n"));
			}
			return handler.apply(req, res);
		};
	}

	/** @return why a request with these headers is refused, or {@code null} if it is this server's own */
	String refusal(String host, String origin) {
		Set<String> hosts = Set.of("127.0.0.1:" + port(), "localhost:" + port());
		if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
			return "refused: Host must be 127.0.0.1:" + port() + ", was " + host;
		}
		if (origin != null && !origin.equals("http://127.0.0.1:" + port()) && !origin.equals(
				"http://localhost:" + port())) {
			return "refused: Origin must be http://127.0.0.1:" + port() + ", was " + origin;
		}
		return null;
	}

	private Publisher<Void> file(HttpServerRequest req, HttpServerResponse res) {
		String path = new QueryStringDecoder(req.uri()).path();
		String name = FILES.get(path);
		if (name == null || req.method().name().equals("POST")) {
			return res.status(HttpResponseStatus.NOT_FOUND).send();
		}
		byte[] body;
		try (InputStream in = MeetingWeb.class.getResourceAsStream(name)) {
			if (in == null) {
				return res.status(HttpResponseStatus.NOT_FOUND).send();
			}
			body = in.readAllBytes();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		String type = name.endsWith(".html") ? "text/html; charset=utf-8"
				: name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
		return res.header(HttpHeaderNames.CONTENT_TYPE, type)
				.header(HttpHeaderNames.CACHE_CONTROL, "no-store")
				.header("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:")
				.sendByteArray(Mono.just(body));
	}

	/** One page: the state first, then every change; what the page sends are commands. */
	private Publisher<Void> page(WebsocketInbound in, WebsocketOutbound out) {
		Sinks.Many<String> updates = Sinks.many().unicast().onBackpressureBuffer();
		Disposable connection = space.connect(u -> updates.emitNext(u, Sinks.EmitFailureHandler.FAIL_FAST));
		in.receive().asString().subscribe(space::handle, e -> connection.dispose(), connection::dispose);
		return out.sendString(updates.asFlux()).then().doFinally(s -> connection.dispose());
	}

	/**
	 * A handout from the page: the request's body, cut into session-sized chunks as it arrives, handed to the meeting
	 * only as fast as the slowest member takes them (the body is read no faster).
	 */
	private Publisher<Void> upload(HttpServerRequest req, HttpServerResponse res) {
		QueryStringDecoder q = new QueryStringDecoder(req.uri());
		String name = q.parameters().getOrDefault("name", List.of("handout")).get(0);
		long size;
		try {
			size = Long.parseLong(q.parameters().getOrDefault("size", List.of("-1")).get(0));
		}
		catch (NumberFormatException e) {
			size = -1;
		}
		if (size < 0 || size > MAX_UPLOAD) {
			return res.status(HttpResponseStatus.BAD_REQUEST)
					.sendString(Mono.just("size must be 0 to " + MAX_UPLOAD + " bytes\n"));
		}
		Chunker chunker = new Chunker();
		// each buffer is read while its onNext lasts: Reactor Netty releases it when onNext returns, so a buffer
		// queued by a prefetching operator (concatMapIterable's) would be read after its memory was reused
		Flux<byte[]> chunks = req.receive().map(chunker::feed).concatMapIterable(full -> full)
				.concatWith(Mono.fromSupplier(chunker::rest).filter(b -> b.length > 0));
		return space.handout(name, size, chunks)
				.then(res.status(HttpResponseStatus.OK).sendString(Mono.just("handed out\n")).then())
				.onErrorResume(e -> res.status(HttpResponseStatus.CONFLICT)
						.sendString(Mono.just(MeetingSpace.describe(e) + "\n")).then());
	}

	private Publisher<Void> download(HttpServerRequest req, HttpServerResponse res) {
		UUID id;
		try {
			id = UUID.fromString(req.param("id"));
		}
		catch (IllegalArgumentException | NullPointerException e) {
			return res.status(HttpResponseStatus.NOT_FOUND).send();
		}
		String name = new QueryStringDecoder(req.uri()).parameters().getOrDefault("name", List.of("handout")).get(0);
		return space.handoutFile(id).flatMap(file -> {
			long length;
			try {
				length = Files.size(file);
			}
			catch (IOException e) {
				return Mono.error(e);
			}
			return res.header(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
					.header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(length))
					.header(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename*=UTF-8''"
							+ URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
					.sendFile(file).then();
		}).switchIfEmpty(Mono.defer(() -> res.status(HttpResponseStatus.NOT_FOUND).send().then()));
	}

	/** Cuts a stream of buffers into arrays of {@value Meeting#CHUNK} bytes, each a fresh one. */
	static final class Chunker {
		private byte[] current = new byte[Meeting.CHUNK];
		private int filled;

		List<byte[]> feed(ByteBuf buf) {
			List<byte[]> full = new ArrayList<>(2);
			while (buf.isReadable()) {
				int n = Math.min(buf.readableBytes(), current.length - filled);
				buf.readBytes(current, filled, n);
				filled += n;
				if (filled == current.length) {
					full.add(current);
					current = new byte[Meeting.CHUNK];
					filled = 0;
				}
			}
			return full;
		}

		byte[] rest() {
			byte[] r = Arrays.copyOf(current, filled);
			filled = 0;
			return r;
		}
	}
}
