// SPDX-License-Identifier: Apache-2.0
package io.peercollab.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import io.peercollab.NoPeersDiscovery;
import io.peercollab.Peer;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerScope;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.RSocketPeerTransport;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Real endpoints for the reliability tests: a {@link PeerCollaboration} with {@link RSocketPeerTransport} on
 * 127.0.0.1, port 0, signed in to {@code ALL} with a discovery that finds no one (so that strangers see what is
 * published near me, without mDNS). Every endpoint made here is closed by {@link #close()}. Tests may block; the
 * library never does.
 */
final class Endpoints implements AutoCloseable {

	static final Duration WAIT = Duration.ofSeconds(20);

	/** The application every endpoint of these tests registers. */
	static final PeerApplication WHITEBOARD = new PeerApplication(
			UUID.fromString("3c1e6f9a-7b2d-4e0a-9f4c-5d6b7a8c9e01"), "Whiteboard",
			"w".getBytes(StandardCharsets.UTF_8), PeerScope.ALL, "/usr/bin/whiteboard", List.of("--local-only"));

	private static final Map<String, PeerIdentity> IDENTITIES = new ConcurrentHashMap<>();

	static {
		StepVerifier.setDefaultTimeout(WAIT);
	}

	private final List<PeerCollaboration> open = new CopyOnWriteArrayList<>();

	/** @return the identity for this classifier, the same for the whole test JVM (generating one costs ~50 ms) */
	static PeerIdentity identity(String classifier) {
		return IDENTITIES.computeIfAbsent(classifier, PeerIdentity::generate);
	}

	/** @return a transport on 127.0.0.1, port 0 */
	static RSocketPeerTransport loopback() {
		return RSocketPeerTransport.tcp().host("127.0.0.1").port(0);
	}

	/** @return a signed-in endpoint with {@link #WHITEBOARD} registered */
	PeerCollaboration start(String classifier) {
		return start(classifier, UnaryOperator.identity(), b -> b);
	}

	/**
	 * @param transport adjusts the loopback transport
	 * @param builder adjusts the builder
	 * @return a signed-in endpoint with {@link #WHITEBOARD} registered
	 */
	PeerCollaboration start(String classifier, UnaryOperator<RSocketPeerTransport> transport,
			UnaryOperator<PeerCollaboration.Builder> builder) {
		PeerCollaboration c = builder.apply(PeerCollaboration.builder()
				.identity(identity(classifier))
				.transport(transport.apply(loopback()))
				.discovery(new NoPeersDiscovery()))
				.build();
		open.add(c);
		c.signIn(PeerScope.ALL).then(c.registerApplication(WHITEBOARD)).block(WAIT);
		return c;
	}

	/** @return {@code to} as {@code from} reaches it, at its loopback endpoint */
	static Peer peer(PeerCollaboration from, PeerCollaboration to) {
		return from.peer(to.name(), to.endPoints().get(0));
	}

	static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Waits until {@code condition} holds, checking it on the calling thread (so it may block) every 10 ms of a Reactor
	 * timer; fails after {@code timeout}.
	 */
	static void await(Duration timeout, String what, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
			}
			Mono.delay(Duration.ofMillis(10)).block();
		}
	}

	/** @return the heap in use after collecting garbage until it settles, in bytes */
	static long usedHeapAfterGc() {
		Runtime rt = Runtime.getRuntime();
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 5; i++) {
			System.gc();
			long now = rt.totalMemory() - rt.freeMemory();
			if (Math.abs(now - used) < 256 * 1024) {
				return Math.min(now, used);
			}
			used = Math.min(used, now);
		}
		return used;
	}

	static String mib(long bytes) {
		return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
	}

	@Override
	public void close() {
		Flux.fromIterable(open).flatMap(c -> c.close().onErrorResume(e -> Mono.empty())).then().block(WAIT);
		open.clear();
	}
}
