// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.peercollab.IpLiterals;
import io.peercollab.PeerUnreachableException;
import io.peercollab.internal.flow.SerialSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Keeps one TCP port of this host mapped on the gateway while it runs: it asks by PCP, then NAT-PMP, then UPnP-IGD
 * (the first that grants a mapping is kept), renews the mapping when half its lifetime is over, starts again from
 * PCP with backoff ({@link Settings#retry}, doubling up to {@link Settings#maxRetry}) when a renewal fails or no
 * protocol worked, and deletes the mapping on {@link #close()}. When the host's interfaces change (a new network, a
 * new DHCP lease), {@link #remap()} deletes the mapping and asks again at once: the gateway, the host's address and
 * so the mapping may all be new.
 *
 * <p>{@link #mappings()} emits the current mapping (empty while there is none) first, then each change of the
 * external address; renewals that keep it are not emitted. Signals come on the timer's or a socket's thread, never
 * under a lock; it keeps only the latest value for a slow subscriber.
 *
 * <pre>{@code
 * PortMapper mapper = PortMapper.start(7000, PortMapper.Settings.defaults());
 * mapper.mappings().subscribe(m -> publish(m.map(PortMapping::external)));
 * ...
 * mapper.close().subscribe(); // deletes the mapping
 * }</pre>
 */
public final class PortMapper {

	private static final Logger LOG = LoggerFactory.getLogger(PortMapper.class);

	/** The protocols, in the order tried. */
	public static final List<String> PROTOCOLS = List.of(PcpClient.PROTOCOL, NatPmpClient.PROTOCOL,
			UpnpIgdClient.PROTOCOL);

	/** Renewals never come sooner than this after the last, whatever lifetime the gateway granted. */
	static final Duration MIN_RENEWAL = Duration.ofMillis(500);

	/**
	 * How a {@link PortMapper} asks. Immutable: each method returns a changed copy.
	 */
	public static final class Settings {

		final InetAddress gateway;
		final Duration lifetime;
		final List<String> protocols;
		final Retransmission pcp;
		final Retransmission natPmp;
		final Duration ssdpTimeout;
		final InetSocketAddress ssdp;
		final Duration retry;
		final Duration maxRetry;
		final Duration deleteTimeout;
		final Scheduler timer;

		private Settings(InetAddress gateway, Duration lifetime, List<String> protocols, Retransmission pcp,
				Retransmission natPmp, Duration ssdpTimeout, InetSocketAddress ssdp, Duration retry, Duration maxRetry,
				Duration deleteTimeout, Scheduler timer) {
			this.gateway = gateway;
			this.lifetime = lifetime;
			this.protocols = protocols;
			this.pcp = pcp;
			this.natPmp = natPmp;
			this.ssdpTimeout = ssdpTimeout;
			this.ssdp = ssdp;
			this.retry = retry;
			this.maxRetry = maxRetry;
			this.deleteTimeout = deleteTimeout;
			this.timer = timer;
		}

		/**
		 * The defaults: the gateway from {@code /proc/net/route}, lifetime 2 hours, all three protocols,
		 * retransmissions as {@link Retransmission#PCP} and {@link Retransmission#NAT_PMP}, SSDP search 3 s, retry after
		 * 30 s doubling to 30 min, deletion waited for 5 s, timers on {@link Schedulers#parallel()}.
		 */
		public static Settings defaults() {
			return new Settings(null, Duration.ofHours(2), PROTOCOLS, Retransmission.PCP, Retransmission.NAT_PMP,
					Duration.ofSeconds(3),
					new InetSocketAddress(IpLiterals.parseAddress(UpnpMessages.SSDP_ADDRESS), UpnpMessages.SSDP_PORT),
					Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofSeconds(5), Schedulers.parallel());
		}

		/** @param gateway where to ask; {@code null}: the default route's next hop from {@code /proc/net/route} */
		public Settings gateway(InetAddress gateway) {
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, timer);
		}

		/** @param lifetime the lifetime asked for, at least 2 s (the gateway may grant another) */
		public Settings lifetime(Duration lifetime) {
			if (lifetime.compareTo(Duration.ofSeconds(2)) < 0) {
				throw new IllegalArgumentException("lifetime must be at least 2 s, was " + lifetime);
			}
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, timer);
		}

		/** @param protocols which of {@link #PROTOCOLS} to try, in this order; at least one */
		public Settings protocols(List<String> protocols) {
			if (protocols.isEmpty() || !PROTOCOLS.containsAll(protocols)) {
				throw new IllegalArgumentException("protocols must be some of " + PROTOCOLS + ", was " + protocols);
			}
			return new Settings(gateway, lifetime, List.copyOf(protocols), pcp, natPmp, ssdpTimeout, ssdp, retry,
					maxRetry, deleteTimeout, timer);
		}

		/** @param retry the first wait before trying again after a failure; {@code maxRetry} the longest */
		public Settings retry(Duration retry, Duration maxRetry) {
			if (retry.isNegative() || retry.isZero() || maxRetry.compareTo(retry) < 0) {
				throw new IllegalArgumentException("retry must be positive and at most maxRetry, was " + retry + ", "
						+ maxRetry);
			}
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, timer);
		}

		/** @param timer where renewals, retransmissions and timeouts run (a virtual-time scheduler in tests) */
		public Settings timer(Scheduler timer) {
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, Objects.requireNonNull(timer, "timer"));
		}

		Settings retransmissions(Retransmission pcp, Retransmission natPmp) {
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, timer);
		}

		Settings ssdp(InetSocketAddress ssdp, Duration ssdpTimeout) {
			return new Settings(gateway, lifetime, protocols, pcp, natPmp, ssdpTimeout, ssdp, retry, maxRetry,
					deleteTimeout, timer);
		}
	}

	/** A mapping and the client that renews and deletes it. */
	private static final class Held {

		final MappingClient client;

		volatile PortMapping mapping;

		Held(MappingClient client, PortMapping mapping) {
			this.client = client;
			this.mapping = mapping;
		}
	}

	private final int internalPort;

	private final Settings settings;

	private final SerialSink<Optional<PortMapping>> sink = new SerialSink<>(Sinks.many().replay().latest());

	private final SerialSink<PortMapping> grants = new SerialSink<>(Sinks.many().multicast().directBestEffort());

	private final AtomicReference<Held> held = new AtomicReference<>();

	private final AtomicReference<Throwable> lastError = new AtomicReference<>();

	private final AtomicLong renewals = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Sinks.Empty<Void> closeDone = Sinks.empty();

	private volatile Disposable loop;

	/** Told by {@link #remap()}: ends the running session (or the wait after one) so that the next starts now. */
	private final Sinks.Many<Boolean> remaps = Sinks.many().multicast().directBestEffort();

	/** Set by {@link #remap()}, cleared when a session starts: a remap asked between two sessions is not lost. */
	private final AtomicBoolean remapAsked = new AtomicBoolean();

	/** How many times {@link #remap()} started a new session. */
	private final AtomicLong remapped = new AtomicLong();

	/** Makes the client of a protocol for a gateway: the real ones, or fakes in tests. */
	interface Clients {

		/** @return a client of {@code protocol} ({@link #PROTOCOLS}) asking {@code gateway} */
		Mono<? extends MappingClient> connect(String protocol, InetAddress gateway, Settings settings);
	}

	/** The real clients: PCP and NAT-PMP on the gateway's UDP port 5351, UPnP-IGD found by SSDP. */
	private static final Clients REAL = (protocol, gateway, settings) -> switch (protocol) {
		case PcpClient.PROTOCOL -> PcpClient.connect(gateway, settings.pcp, settings.timer);
		case NatPmpClient.PROTOCOL -> NatPmpClient.connect(gateway, settings.natPmp, settings.timer);
		default -> UpnpIgdClient.discover(gateway, settings.ssdp, settings.ssdpTimeout, settings.timer);
	};

	private final Clients clients;

	private PortMapper(int internalPort, Settings settings, Clients clients) {
		this.internalPort = internalPort;
		this.settings = settings;
		this.clients = clients;
	}

	/**
	 * Starts asking for a mapping of {@code internalPort}; returns at once.
	 *
	 * @param internalPort the TCP port this host listens on, 1 to 65535
	 */
	public static PortMapper start(int internalPort, Settings settings) {
		return start(internalPort, settings, REAL);
	}

	/** As {@link #start(int, Settings)}, with the clients {@code clients} makes (fakes, in tests). */
	static PortMapper start(int internalPort, Settings settings, Clients clients) {
		PcpMessages.checkPort("internalPort", internalPort, 1);
		Objects.requireNonNull(settings, "settings");
		Objects.requireNonNull(clients, "clients");
		PortMapper mapper = new PortMapper(internalPort, settings, clients);
		mapper.loop = Flux.defer(() -> {
					mapper.remapAsked.set(false);
					return mapper.session();
				})
				// after a session: again at once if a remap was asked, else after the backoff or at the next remap
				.repeatWhen(ends -> ends.concatMap(end -> mapper.remapAsked.get() ? Mono.just(0L)
						: Mono.delay(mapper.backoff(), settings.timer).or(mapper.remaps.asFlux().next().map(r -> 0L))))
				.startWith(Optional.<PortMapping>empty())
				.distinctUntilChanged(m -> m.map(PortMapping::external))
				.subscribe(mapper::emit, e -> LOG.warn("Port mapping stopped: {}", e.toString()));
		return mapper;
	}

	/**
	 * @return the current mapping (empty while there is none), then each change of the external address; completes
	 * with an empty value after {@link #close()}
	 */
	public Flux<Optional<PortMapping>> mappings() {
		return sink.asFlux();
	}

	/**
	 * @return each mapping the gateway grants from now on: the first of a session and each renewal, as they come (on
	 * the thread of the socket that read the answer); hot, without replay; a slow subscriber misses grants
	 */
	public Flux<PortMapping> grants() {
		return grants.asFlux();
	}

	/** @return the mapping held now */
	public Optional<PortMapping> current() {
		Held h = held.get();
		return h == null ? Optional.empty() : Optional.of(h.mapping);
	}

	/** @return how many renewals the gateway granted */
	public long renewals() {
		return renewals.get();
	}

	/**
	 * Asks for the mapping again now, as after a change of the host's interfaces: the mapping held is deleted at the
	 * gateway (best effort, waited for at most the deletion timeout: from a new address the old gateway may not be
	 * reachable, and the mapping then lapses), and the protocols are tried again from the first, without the backoff
	 * of earlier failures. {@link #mappings()} emits only if the external address changes (or no protocol grants one
	 * any more). Returns at once; does nothing after {@link #close()}.
	 */
	public void remap() {
		if (closed.get()) {
			return;
		}
		failures.set(0);
		remapAsked.set(true);
		remaps.tryEmitNext(Boolean.TRUE);
	}

	/** @return how many sessions a {@link #remap()} ended to ask again */
	public long remaps() {
		return remapped.get();
	}

	/** @return why the last attempt, renewal or deletion failed, if one did */
	public Optional<Throwable> lastError() {
		return Optional.ofNullable(lastError.get());
	}

	/**
	 * Stops renewing and deletes the mapping at the gateway (waiting at most 5 s for its answer; a mapping not
	 * deleted lapses at the end of its lifetime). Idempotent.
	 *
	 * @return completes when deleted (or given up) and the sockets are closed; never fails
	 */
	public Mono<Void> close() {
		return Mono.defer(() -> {
			if (!closed.compareAndSet(false, true)) {
				return closeDone.asMono();
			}
			Disposable l = loop;
			if (l != null) {
				l.dispose();
			}
			Held h = held.getAndSet(null);
			Mono<Void> delete = h == null ? Mono.empty() : deleteAndClose(h);
			return delete.doFinally(s -> {
				emit(Optional.empty());
				sink.complete();
				grants.complete();
				closeDone.tryEmitEmpty();
			});
		});
	}

	/**
	 * One session: obtain a mapping, then renew it until a renewal fails (ends with an empty value) or a
	 * {@link #remap()} comes (deletes the mapping and ends with nothing, the next session's mapping replacing it).
	 */
	private Flux<Optional<PortMapping>> session() {
		Mono<Boolean> remap = remaps.asFlux().next();
		return acquire().takeUntilOther(remap).flatMapMany(h -> {
			if (closed.get() || !held.compareAndSet(null, h)) {
				return h.client.unmap(h.mapping).onErrorResume(e -> Mono.empty()).then(h.client.close())
						.thenMany(Flux.empty());
			}
			failures.set(0);
			grants.next(h.mapping);
			return Mono.just(h.mapping)
					.expand(m -> Mono.delay(renewAfter(m), settings.timer)
							.then(Mono.defer(() -> h.client.map(internalPort, m.external().getPort(),
									settings.lifetime)))
							.doOnNext(renewed -> {
								h.mapping = renewed;
								renewals.incrementAndGet();
								grants.next(renewed);
							}))
					.map(Optional::of)
					// the renewals never end by themselves: completing is a remap's doing
					.takeUntilOther(remap)
					.concatWith(Mono.defer(() -> held.compareAndSet(h, null) ? release(h, "remapping")
							: Mono.empty()).then(Mono.empty()))
					.onErrorResume(e -> {
						lastError.set(e);
						LOG.info("Renewing the {} mapping {} failed: {}", h.client.protocol(),
								IpLiterals.toString(h.mapping.external()), e.toString());
						held.compareAndSet(h, null);
						return h.client.close().onErrorResume(x -> Mono.empty()).thenReturn(Optional.empty());
					});
		}).onErrorResume(e -> {
			lastError.set(e);
			failures.incrementAndGet();
			LOG.info("No port mapping for TCP port {}: {}", internalPort, e.getMessage());
			return Mono.just(Optional.empty());
		});
	}

	/** Deletes {@code h}'s mapping at the gateway before another replaces it, as {@link #deleteAndClose}. */
	private Mono<Void> release(Held h, String why) {
		remapped.incrementAndGet();
		LOG.info("Deleting the {} mapping {} ({})", h.client.protocol(), IpLiterals.toString(h.mapping.external()),
				why);
		return deleteAndClose(h);
	}

	/** Deletes {@code h}'s mapping at the gateway (bounded, errors kept as {@link #lastError()}) and closes it. */
	private Mono<Void> deleteAndClose(Held h) {
		return h.client.unmap(h.mapping)
				.timeout(settings.deleteTimeout, settings.timer)
				.doOnSuccess(v -> LOG.debug("Deleted the {} mapping {}", h.client.protocol(),
						IpLiterals.toString(h.mapping.external())))
				.onErrorResume(e -> {
					lastError.set(e);
					LOG.info("Could not delete the {} mapping {}: {}", h.client.protocol(),
							IpLiterals.toString(h.mapping.external()), e.toString());
					return Mono.empty();
				})
				.then(h.client.close())
				.onErrorResume(e -> Mono.empty());
	}

	/** @return a mapping by the first protocol that grants one; fails with every protocol's reason */
	private Mono<Held> acquire() {
		return Mono.defer(() -> {
			InetAddress gateway = settings.gateway != null ? settings.gateway
					: DefaultGateway.fromProcNetRoute().orElse(null);
			if (gateway == null) {
				return Mono.error(new PeerUnreachableException("No gateway to ask for a port mapping: no default "
						+ "route in /proc/net/route, and none configured"));
			}
			return firstGranted(gateway, 0, new ArrayList<>());
		});
	}

	/** Tries the protocols from {@code index} on, one after the other, until one grants a mapping. */
	private Mono<Held> firstGranted(InetAddress gateway, int index, List<String> reasons) {
		if (index == settings.protocols.size()) {
			return Mono.error(new PeerUnreachableException("The gateway " + IpLiterals.toString(gateway)
					+ " granted no port mapping: " + String.join("; ", reasons)));
		}
		String protocol = settings.protocols.get(index);
		return attempt(protocol, gateway).onErrorResume(e -> {
			LOG.debug("{} gave no mapping: {}", protocol, e.toString());
			reasons.add(protocol + ": " + e.getMessage());
			return firstGranted(gateway, index + 1, reasons);
		});
	}

	private Mono<Held> attempt(String protocol, InetAddress gateway) {
		long start = System.nanoTime();
		Mono<? extends MappingClient> client = clients.connect(protocol, gateway, settings);
		// closed if cancelled before the mapping is handed over (operators pass a cancel on even after success)
		AtomicBoolean handedOver = new AtomicBoolean();
		return client.flatMap(c -> c.map(internalPort, internalPort, settings.lifetime)
				.map(m -> {
					handedOver.set(true);
					LOG.info("Mapped TCP port {} to {} by {} for {} s in {} ms", internalPort,
							IpLiterals.toString(m.external()), protocol, m.lifetime().toSeconds(),
							(System.nanoTime() - start) / 1_000_000);
					return new Held(c, m);
				})
				.onErrorResume(e -> c.close().onErrorResume(x -> Mono.empty()).then(Mono.error(e)))
				.doOnCancel(() -> {
					if (!handedOver.get()) {
						c.close().subscribe(null, x -> { });
					}
				}));
	}

	private Duration renewAfter(PortMapping m) {
		Duration lifetime = m.lifetime().isZero() ? settings.lifetime : m.lifetime();
		Duration half = lifetime.dividedBy(2);
		return half.compareTo(MIN_RENEWAL) < 0 ? MIN_RENEWAL : half;
	}

	private Duration backoff() {
		long n = Math.min(20, Math.max(0, failures.get() - 1));
		Duration d = settings.retry.multipliedBy(1L << n);
		return d.compareTo(settings.maxRetry) > 0 ? settings.maxRetry : d;
	}

	private void emit(Optional<PortMapping> value) {
		sink.next(value);
	}
}
