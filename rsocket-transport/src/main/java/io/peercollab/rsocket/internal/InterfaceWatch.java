// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Notices that the set of this host's interface addresses changed (a new Wi-Fi network, a VPN, a DHCP lease), by
 * reading it on a timer: the JDK has no change signal, and neither has the transport SPI. Where the endpoint stands
 * on the Internet (its public address, its NAT) is then checked again at once, rather than at the next periodic check.
 */
final class InterfaceWatch {

	/**
	 * How often the interface addresses are read: a change is noticed within this period. Reading them is a few
	 * system calls (about a millisecond with a handful of interfaces).
	 */
	static final Duration PERIOD = Duration.ofSeconds(5);

	private InterfaceWatch() {
	}

	/** The addresses of every interface that is up, loopback left out; an empty set if they cannot be read. */
	static Set<InetAddress> hostAddresses() {
		try {
			return NetworkInterface.networkInterfaces()
					.filter(i -> {
						try {
							return i.isUp() && !i.isLoopback();
						}
						catch (SocketException e) {
							return false;
						}
					})
					.flatMap(NetworkInterface::inetAddresses)
					.collect(Collectors.toUnmodifiableSet());
		}
		catch (SocketException e) {
			return Collections.emptySet();
		}
	}

	/**
	 * Reads {@code source} every {@code period} and emits each set that differs from the one before it (not the first
	 * one read). A read that throws is skipped.
	 *
	 * @param source the interface addresses now
	 * @param period how often to read them
	 * @param timer where the reads run
	 * @return the changed sets; never completes on its own
	 */
	static Flux<Set<InetAddress>> changes(Supplier<Set<InetAddress>> source, Duration period, Scheduler timer) {
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(period, "period");
		Objects.requireNonNull(timer, "timer");
		return Flux.interval(Duration.ZERO, period, timer)
				.onBackpressureDrop()
				.concatMap(tick -> Mono.fromSupplier(() -> Set.copyOf(source.get())).onErrorResume(e -> Mono.empty()),
						1)
				.distinctUntilChanged()
				.skip(1);
	}
}
