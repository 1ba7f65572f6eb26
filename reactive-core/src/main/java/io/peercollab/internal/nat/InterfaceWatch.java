// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

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
import reactor.core.scheduler.Schedulers;

/**
 * Notices that the set of this host's interface addresses changed (a new Wi-Fi network, a VPN, a DHCP lease), by
 * reading it on a timer: the JDK has no change signal, and neither has the transport SPI. Where the endpoint stands
 * on the Internet (its public address, its NAT) is then checked again at once, rather than at the next periodic check
 * (the transport's binding), and the gateway's port mapping is asked for again (the engine's
 * {@link io.peercollab.internal.resolution.PortMappedEndPoint}). Both watch the one poll of the JVM,
 * {@link #hostChanges()}. Implementation, not API.
 */
public final class InterfaceWatch {

	/**
	 * How often the interface addresses are read: a change is noticed within this period. Reading them is a few
	 * system calls (about a millisecond with a handful of interfaces).
	 */
	public static final Duration PERIOD = Duration.ofSeconds(5);

	/** The one poll of this JVM's interfaces: {@link #hostChanges()}. */
	private static final Flux<Set<InetAddress>> HOST = sharedPoll(InterfaceWatch::hostAddresses, PERIOD,
			Schedulers::parallel);

	private InterfaceWatch() {
	}

	/** The addresses of every interface that is up, loopback left out; an empty set if they cannot be read. */
	public static Set<InetAddress> hostAddresses() {
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
	 * The host's interface addresses, read every {@link #PERIOD} while anyone subscribes, shared by every subscriber in
	 * this JVM: the public address check of each transport binding and the port mapping of each endpoint read the
	 * interfaces once per period between them, not once each. Each subscriber gets the addresses now first (the
	 * latest read, or the first read if none ran yet), then each set that differs from the one before it. The reads
	 * run on {@link Schedulers#parallel()}; they start with the first subscriber and stop when the last one cancels
	 * (the next subscriber starts them again with a fresh read). A read that throws is skipped. Never completes.
	 *
	 * @return the shared host-wide stream of interface addresses
	 */
	public static Flux<Set<InetAddress>> hostChanges() {
		return HOST;
	}

	/**
	 * As {@link #hostChanges()}, from {@code source}: one read every {@code period} while anyone subscribes, however
	 * many do, stopped when the last one cancels. Each subscriber gets the latest set first, then each change. For
	 * tests, and for a watch of other addresses than the host's.
	 *
	 * @param source the interface addresses now
	 * @param period how often to read them
	 * @param timer where the reads run
	 * @return the shared stream: the current set, then each changed one; never completes
	 */
	public static Flux<Set<InetAddress>> shared(Supplier<Set<InetAddress>> source, Duration period, Scheduler timer) {
		Objects.requireNonNull(timer, "timer");
		return sharedPoll(source, period, () -> timer);
	}

	/**
	 * Reads {@code source} every {@code period} and emits each set that differs from the one before it (not the first
	 * one read), for this subscriber alone. A read that throws is skipped.
	 *
	 * @param source the interface addresses now
	 * @param period how often to read them
	 * @param timer where the reads run
	 * @return the changed sets; never completes on its own
	 */
	public static Flux<Set<InetAddress>> changes(Supplier<Set<InetAddress>> source, Duration period, Scheduler timer) {
		Objects.requireNonNull(timer, "timer");
		return polled(source, period, () -> timer).skip(1);
	}

	/** The scheduler is looked up at each start of the reads, so that a test's virtual time is the one in force. */
	private static Flux<Set<InetAddress>> sharedPoll(Supplier<Set<InetAddress>> source, Duration period,
			Supplier<Scheduler> timer) {
		// replay(1): a late subscriber gets the latest set at once; refCount: the reads stop with the last subscriber
		return polled(source, period, timer).replay(1).refCount();
	}

	/** The first set read, then each one that differs from the one before it. */
	private static Flux<Set<InetAddress>> polled(Supplier<Set<InetAddress>> source, Duration period,
			Supplier<Scheduler> timer) {
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(period, "period");
		return Flux.defer(() -> Flux.interval(Duration.ZERO, period, timer.get()))
				.onBackpressureDrop()
				.concatMap(tick -> Mono.fromSupplier(() -> Set.copyOf(source.get())).onErrorResume(e -> Mono.empty()),
						1)
				.distinctUntilChanged();
	}
}
