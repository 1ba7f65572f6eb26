// SPDX-License-Identifier: Apache-2.0
package io.peercollab.discovery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import javax.jmdns.JmDNS;

import io.peercollab.NotSignedInException;
import io.peercollab.PeerCollabException;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveryHost;
import io.peercollab.spi.DiscoverySession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One endpoint's jmDNS instances: one per chosen address, opened by the first {@link #start} and kept, announced and
 * listening, until {@link #close()}, so that only the first sign-in pays for jmDNS's host-name probing. Each session
 * registers its own service instance and listener on them and withdraws both when it closes.
 *
 * <p>Sessions run one at a time (the engine serializes sign-in and sign-out); this class is thread-safe anyway.
 * Blocking jmDNS calls run on {@link Schedulers#boundedElastic()}.
 */
final class MdnsHost implements DiscoveryHost {

	private static final Logger log = LoggerFactory.getLogger(MdnsDiscovery.class);

	/** One chosen address and the jmDNS instance bound to it. */
	static final class Instance {

		final MdnsSession.Binding binding;
		final JmDNS jmdns;

		Instance(MdnsSession.Binding binding, JmDNS jmdns) {
			this.binding = binding;
			this.jmdns = jmdns;
		}
	}

	private final Callable<List<MdnsSession.Binding>> choose;
	private final boolean tolerant;
	private final String serviceType;
	private final String description;

	// guarded by this
	private Mono<List<Instance>> opening;
	private final List<Instance> opened = new ArrayList<>();
	private boolean closed;
	private final Sinks.Empty<Void> released = Sinks.empty();

	/**
	 * @param choose chooses the addresses, when the host opens
	 * @param tolerant whether to go on without an address that fails to open, as long as one opens
	 * @param serviceType the DNS-SD service type the sessions announce and browse
	 * @param description the discovery, for errors
	 */
	MdnsHost(Callable<List<MdnsSession.Binding>> choose, boolean tolerant, String serviceType, String description) {
		this.choose = Objects.requireNonNull(choose, "choose");
		this.tolerant = tolerant;
		this.serviceType = Objects.requireNonNull(serviceType, "serviceType");
		this.description = description;
	}

	/**
	 * @return the instances, opened by the first call (in parallel, on {@code boundedElastic}); a failed open is
	 * forgotten, so that the next call tries again
	 */
	Mono<List<Instance>> instances() {
		return Mono.defer(() -> {
			synchronized (this) {
				if (closed) {
					return Mono.error(closedError());
				}
				if (opening == null) {
					Mono<List<Instance>> m = open().cache();
					opening = m;
					m.subscribe(null, e -> {
						// Those that did open are closed, so that the next call starts afresh.
						List<Instance> half;
						synchronized (this) {
							if (opening == m) {
								opening = null;
							}
							half = new ArrayList<>(opened);
							opened.clear();
						}
						Flux.fromIterable(half)
								.flatMap(i -> Mono.fromRunnable(() -> closeQuietly(i))
										.subscribeOn(Schedulers.boundedElastic()))
								.subscribe();
					});
				}
				return opening;
			}
		});
	}

	private Mono<List<Instance>> open() {
		return Mono.fromCallable(choose)
				.subscribeOn(Schedulers.boundedElastic())
				.flatMap(bindings -> Flux.fromIterable(bindings)
						.flatMap(b -> Mono.fromCallable(() -> openInstance(b))
								.subscribeOn(Schedulers.boundedElastic())
								.onErrorResume(e -> tolerant, e -> {
									log.warn("mDNS discovery could not open {}; going on without it", b.label, e);
									return Mono.empty();
								}), Math.max(1, bindings.size()))
						.collectList()
						.flatMap(list -> list.isEmpty() ? Mono.error(new PeerCollabException(
								"mDNS discovery could not open any of " + labels(bindings))) : Mono.just(list)))
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerCollabException(
						"Could not start mDNS discovery (" + description + "): " + e.getMessage(), e));
	}

	private Instance openInstance(MdnsSession.Binding b) throws IOException {
		// A host name of our own: two instances with the same one on a link would make jmDNS probe and rename.
		JmDNS jmdns = QuickStarter.create(b.address, "peercollab-" + randomTag());
		Instance instance = new Instance(b, jmdns);
		boolean keep;
		synchronized (this) {
			keep = !closed;
			if (keep) {
				opened.add(instance);
			}
		}
		if (!keep) {
			closeQuietly(instance);
			throw closedError();
		}
		log.debug("mDNS discovery opened jmDNS on {}", b.label);
		return instance;
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>The first call opens the jmDNS instances; a fresh instance probes its host name (250 ms apart, see
	 * {@link QuickStarter}) together with the first service. Later calls only register a service instance and a
	 * listener on them.
	 */
	@Override
	public Mono<DiscoverySession> start(Announcement self) {
		return start(self, false);
	}

	/**
	 * @param ownsHost whether closing the session closes this host too (a session started by
	 * {@link MdnsDiscovery#start}, which keeps nothing)
	 */
	Mono<DiscoverySession> start(Announcement self, boolean ownsHost) {
		Objects.requireNonNull(self, "self");
		AnnouncementCodec.encode(self);
		return instances().flatMap(list -> {
			MdnsSession session = new MdnsSession(serviceType, self, list, ownsHost ? this : null);
			return session.open(tolerant)
					.thenReturn((DiscoverySession) session)
					.onErrorResume(e -> session.close().then(Mono.error(e)))
					// A start cancelled half-way must not leave an announcement (or an own host) behind.
					.doOnCancel(() -> session.close().subscribe());
		}).onErrorResume(e -> ownsHost, e -> close().then(Mono.error(e)))
				.onErrorMap(e -> !(e instanceof PeerCollabException), e -> new PeerCollabException(
						"Could not start mDNS discovery (" + description + "): " + e.getMessage(), e))
				.subscribeOn(Schedulers.boundedElastic());
	}

	/**
	 * {@inheritDoc}
	 *
	 * <p>Closes every jmDNS instance in parallel on {@code boundedElastic}; each says goodbye for what is still
	 * registered on it. Every call returns the same completion; failures to close are logged, never signalled.
	 */
	@Override
	public Mono<Void> close() {
		return Mono.defer(() -> {
			List<Instance> toClose;
			synchronized (this) {
				if (closed) {
					return released.asMono();
				}
				closed = true;
				toClose = new ArrayList<>(opened);
				opened.clear();
			}
			Flux.fromIterable(toClose)
					.flatMap(i -> Mono.fromRunnable(() -> closeQuietly(i)).subscribeOn(Schedulers.boundedElastic()))
					.then()
					.subscribe(null, e -> released.tryEmitEmpty(), released::tryEmitEmpty);
			return released.asMono();
		});
	}

	static void closeQuietly(Instance i) {
		try {
			i.jmdns.close();
			log.debug("mDNS discovery closed {}", i.binding.label);
		}
		catch (Throwable t) {
			Exceptions.throwIfJvmFatal(t);
			log.warn("mDNS discovery could not close jmDNS on {} cleanly", i.binding.label, t);
		}
	}

	private static NotSignedInException closedError() {
		return new NotSignedInException("This mDNS discovery host is closed: its endpoint cannot announce itself "
				+ "again");
	}

	static String randomTag() {
		return String.format(Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt());
	}

	private static String labels(List<MdnsSession.Binding> bindings) {
		List<String> labels = new ArrayList<>(bindings.size());
		for (MdnsSession.Binding b : bindings) {
			labels.add(b.label);
		}
		return String.join(", ", labels);
	}

	@Override
	public String toString() {
		return "MdnsHost[" + description + "]";
	}
}
