// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import io.peercollab.ChangeType;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.DiscoveryEvent;
import io.peercollab.spi.DiscoverySession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Shared by the mDNS tests. Every jmDNS instance they open is bound to 127.0.0.1, and each test announces and browses
 * a service type of its own, so that tests never see each other's leftovers.
 */
final class MdnsTestSupport {

	/** Generous bound for what takes about 4 s on loopback (a fresh jmDNS instance announcing). */
	static final Duration APPEAR = Duration.ofSeconds(20);

	/** Generous bound for a removal, which takes 1-2 s with the session's sweep and 4-12 s without. */
	static final Duration DISAPPEAR = Duration.ofSeconds(20);

	private MdnsTestSupport() {
	}

	/** @return the only address tests ever bind jmDNS to */
	static InetAddress loopback() {
		try {
			return InetAddress.getByName("127.0.0.1");
		}
		catch (UnknownHostException e) {
			throw new AssertionError(e);
		}
	}

	/** @return a DNS-SD service type no other test uses */
	static String uniqueServiceType() {
		return String.format(Locale.ROOT, "_pc%08x._tcp.local.", ThreadLocalRandom.current().nextInt());
	}

	/** @return loopback discovery on a service type of the test's own */
	static MdnsDiscovery discovery(String serviceType) {
		return MdnsDiscovery.onLoopback().serviceType(serviceType);
	}

	/** @return a secured-looking name with a random authority, so that instance names look as they will */
	static PeerName name(String classifier) {
		StringBuilder authority = new StringBuilder(52);
		String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
		for (int i = 0; i < 52; i++) {
			authority.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(32)));
		}
		return PeerName.of(authority.toString(), classifier);
	}

	static Predicate<DiscoveryEvent> is(ChangeType type, PeerName name) {
		return e -> e.type() == type && e.peer().name().equals(name);
	}

	/** @return the first event matching, or an error after {@code timeout} */
	static Mono<DiscoveryEvent> first(DiscoverySession session, Predicate<DiscoveryEvent> match, Duration timeout) {
		return session.peers().filter(match).next().timeout(timeout);
	}

	/** Waits, polling on a Reactor timer, until {@code condition} holds; fails after {@code timeout}. */
	static void await(Duration timeout, BooleanSupplier condition) {
		Flux.interval(Duration.ZERO, Duration.ofMillis(20))
				.onBackpressureDrop()
				.filter(tick -> condition.getAsBoolean())
				.next()
				.timeout(timeout)
				.block();
	}

	/** Waits, polling the session's table, until {@code count} service instances announce {@code name}. */
	static void awaitInstances(MdnsSession session, PeerName name, int count, Duration timeout) {
		Flux.interval(Duration.ZERO, Duration.ofMillis(20))
				// A tick that comes while the last question is still queued in the session is simply skipped.
				.onBackpressureDrop()
				.concatMap(tick -> session.instanceCount(name), 1)
				.filter(n -> n == count)
				.next()
				.timeout(timeout)
				.block();
	}

	/** @return the live threads jmDNS 3.6.1 starts: its timers, socket listeners and listener executors */
	static Set<Thread> jmdnsThreads() {
		Set<Thread> threads = new HashSet<>();
		for (Thread t : Thread.getAllStackTraces().keySet()) {
			if (t.isAlive() && (t.getName().startsWith("JmDNS") || t.getName().startsWith("SocketListener("))) {
				threads.add(t);
			}
		}
		return threads;
	}

	static List<String> names(Set<Thread> threads) {
		List<String> names = new ArrayList<>();
		for (Thread t : threads) {
			names.add(t.getName());
		}
		names.sort(null);
		return names;
	}

	/** @return the median of these durations, in milliseconds */
	static long median(List<Long> millis) {
		List<Long> sorted = new ArrayList<>(millis);
		sorted.sort(null);
		int n = sorted.size();
		return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}
}
